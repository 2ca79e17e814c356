"""Bench datasets, perturbations and the runner end to end on tiny generated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from mediafactory import audio_bytes, video_bytes
from synthguard.bench import Dataset, parse_perturbation, run_bench
from synthguard.bench.perturb import apply, h264_frame
from synthguard.errors import ConfigError
from synthguard.media import Audio, Image, Video, load


@pytest.fixture
def saturation_set(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["file,label,split,source"]
    for i in range(12):
        px = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
        fake = i % 2 == 1
        if not fake:  # grey images: low saturation
            px[...] = px.mean(axis=2, keepdims=True).astype(np.uint8)
        PILImage.fromarray(px).save(tmp_path / f"{i}.png")
        rows.append(
            f"{i}.png,{'fake' if fake else 'real'},{'test' if i < 10 else 'train'},{'a' if i < 6 else 'b'}"
        )
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    rows.append("broken.png,real,test,a")
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    return tmp_path / "labels.csv"


def test_dataset_split_and_groups(saturation_set: Path) -> None:
    ds = Dataset.from_csv(saturation_set, split="test")
    assert len(ds) == 11 and ds.counts() == {"real": 6, "fake": 5}
    assert ds.group_columns() == ["source"]
    assert len(Dataset.from_csv(saturation_set, split=None)) == 13
    assert ds.limit(4).counts() == {"real": 2, "fake": 2}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("file,label\nx.png,maybe\n", "not real/fake"),
        ("name,label\nx,real\n", "needs columns"),
        ("file,label,split\nx.png,real,train\n", "no rows"),
    ],
)
def test_dataset_errors(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "l.csv").write_text(content)
    with pytest.raises(ConfigError, match=match):
        Dataset.from_csv(tmp_path / "l.csv", split="test")


def test_run_bench_end_to_end(saturation_set: Path, tmp_path: Path) -> None:
    ds = Dataset.from_csv(saturation_set)
    result = run_bench("test.image_saturation", ds, ["jpeg:75", "resize:0.5"], command="synthguard bench x")
    clean = result.to_dict()["conditions"]["clean"]["summary"]
    assert clean["auc"] == 1.0 and clean["n"] == 10
    assert tuple(clean["auc_ci95"]) == (1.0, 1.0)
    assert 0.0 <= clean["eer_ci95"][0] <= clean["eer"] <= clean["eer_ci95"][1]
    assert len(result.errors) == 1 and "broken.png" in result.errors[0]
    assert set(result.to_dict()["conditions"]) == {"clean", "jpeg:75", "resize:0.5"}
    md = result.to_markdown()
    assert "| clean |" in md and "AUC by `source`" in md and "synthguard bench x" in md
    assert "auc 95% CI" in md and "1.000-1.000" in md
    written = result.save(tmp_path / "out")
    assert {p.name for p in written} == {"report.json", "report.md", "scores.csv", "roc.png", "det.png"}
    assert (tmp_path / "out" / "roc.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "spec", ["jpeg:75", "webp:60", "resize:0.5", "crop:0.5", "blur:2", "noise:8", "saturation:0", "frame:28"]
)
def test_image_perturbations(spec: str) -> None:
    img = Image(np.full((40, 60, 3), 128, np.uint8))
    out = apply(parse_perturbation(spec), img)
    assert isinstance(out, Image) and out.pixels.dtype == np.uint8
    if spec.startswith(("resize", "crop")):
        assert out.pixels.shape == (20, 30, 3)


@pytest.mark.parametrize(
    "spec", ["mp3:32k", "aac:32k", "opus:16k", "resample:8000", "noise:10", "highpass:300"]
)
def test_audio_perturbations_keep_length(spec: str) -> None:
    audio = load(audio_bytes(seconds=1.0))
    assert isinstance(audio, Audio)
    out = apply(parse_perturbation(spec), audio)
    assert isinstance(out, Audio) and len(out.samples) == len(audio.samples)
    # the signal survives: strongly correlated with the original (codec delay tolerated)
    corr = np.correlate(out.samples, audio.samples[4000:12000], "valid").max()
    assert corr > 0.5 * float(np.dot(audio.samples[4000:12000], audio.samples[4000:12000]))


def test_saturation_zero_is_greyscale() -> None:
    px = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = apply(parse_perturbation("saturation:0"), Image(px))
    assert isinstance(out, Image)
    assert np.abs(out.pixels.astype(int) - out.pixels[..., :1].astype(int)).max() <= 1


def test_frame_grab_is_lossy_h264_of_any_size() -> None:
    rng = np.random.default_rng(0)
    smooth = np.repeat(np.repeat(rng.integers(0, 256, (9, 11, 3)), 8, 0), 8, 1)[:71, :85]  # odd sizes
    px = np.clip(smooth + rng.normal(0, 6, smooth.shape), 0, 255).astype(np.uint8)
    errors = []
    for crf in (18, 35):
        out = h264_frame(px, crf)
        assert out.shape == px.shape and out.dtype == np.uint8
        assert np.array_equal(out[-1], px[-1]) and np.array_equal(out[:, -1], px[:, -1])  # odd edge kept
        errors.append(np.abs(out[:-1, :-1].astype(int) - px[:-1, :-1]).mean())
    assert 0 < errors[0] < errors[1] < 20  # lossy, more so at a higher CRF, still the same picture
    with pytest.raises(ValueError, match="CRF"):
        h264_frame(px, 60)


def test_highpass_removes_the_low_band_only() -> None:
    t = np.arange(16_000) / 16_000
    low, high = np.sin(2 * np.pi * 80 * t), np.sin(2 * np.pi * 2000 * t)
    out = apply(parse_perturbation("highpass:400"), Audio((0.4 * (low + high)).astype(np.float32)))
    assert isinstance(out, Audio)
    tail = out.samples[4000:]
    spec, freqs = np.abs(np.fft.rfft(tail)), np.fft.rfftfreq(len(tail), 1 / 16_000)
    at = lambda hz: spec[np.argmin(np.abs(freqs - hz))]  # noqa: E731
    assert at(2000) / at(80) > 20  # 2 kHz kept, 80 Hz cut by ~25 dB
    with pytest.raises(ValueError, match="highpass cutoff"):
        apply(parse_perturbation("highpass:9000"), out)


def test_video_perturbations() -> None:
    video = load(video_bytes(seconds=2.0))
    assert isinstance(video, Video)
    out = apply(parse_perturbation("h264:100k"), video)
    assert isinstance(out, Video) and len(out.frames) == len(video.frames)
    out = apply(parse_perturbation("jpeg:50"), video)
    assert isinstance(out, Video)
    out = apply(parse_perturbation("mp3:32k"), video)
    assert isinstance(out, Video) and out.audio is not None


@pytest.mark.parametrize(
    ("spec", "match"), [("zoom:2", "unknown perturbation"), ("jpeg", "unknown perturbation")]
)
def test_bad_perturbation_spec(spec: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_perturbation(spec)


def test_wrong_modality_perturbation() -> None:
    with pytest.raises(ValueError, match="does not apply to audio"):
        apply(parse_perturbation("jpeg:75"), Audio(np.zeros(100, np.float32)))


def test_candidate_weights_get_a_local_version(tmp_path: Path) -> None:
    import hashlib

    from synthguard.bench.runner import _version

    w = tmp_path / "cand.onnx"
    w.write_bytes(b"candidate weights")
    digest = hashlib.sha256(b"candidate weights").hexdigest()
    assert _version("2.1.0", "f" * 64, {}) == "2.1.0"
    assert _version("2.1.0", "f" * 64, {"model_path": str(w)}) == f"2.1.0+weights.{digest[:12]}"
    assert _version("2.1.0", digest, {"model_path": str(w)}) == "2.1.0"  # the bundled file itself
    # another model folder: its card's version, marked unless its weights are the bundled ones
    assert _version("2.4.0", "f" * 64, {"model_dir": str(tmp_path)}, digest) == f"2.4.0+weights.{digest[:12]}"
    assert _version("2.1.0", digest, {"model_dir": str(tmp_path)}, digest) == "2.1.0"


def test_bench_reports_the_threshold_and_version_of_a_model_dir(tmp_path: Path) -> None:
    import json
    from importlib import resources

    import PIL.Image

    from synthguard.bench import Dataset, run_bench

    models = resources.files("synthguard") / "models" / "images"
    card = json.loads((models / "card.json").read_text("utf-8"))
    cand = tmp_path / "cand"
    cand.mkdir()
    for name in (card["weights_file"], card["probe"]["weights_file"]):
        (cand / name).write_bytes((models / name).read_bytes())
    (cand / "card.json").write_text(json.dumps({**card, "version": "9.0.0", "threshold": 0.25}))
    rng = np.random.default_rng(0)
    for i in range(4):
        PIL.Image.fromarray(rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    (tmp_path / "labels.csv").write_text(
        "file,label\n" + "".join(f"{i}.png,{'fake' if i % 2 else 'real'}\n" for i in range(4))
    )
    res = run_bench(
        "image.ai_generated",
        Dataset.from_csv(tmp_path / "labels.csv"),
        [],
        detector_options={"model_dir": str(cand)},
    )
    assert res.conditions[0].threshold == 0.25
    assert res.detector_version == "9.0.0"  # same weights as the bundled model: no local suffix


def test_perturbations_chain_with_plus() -> None:
    p = parse_perturbation("resize:0.5+jpeg:75")
    assert p.name == "resize:0.5+jpeg:75" and p.then is not None and p.then.kind == "jpeg"
    img = Image(np.random.default_rng(0).integers(0, 256, (128, 96, 3), dtype=np.uint8))
    once = apply(parse_perturbation("jpeg:75"), apply(parse_perturbation("resize:0.5"), img))
    assert np.array_equal(apply(p, img).pixels, once.pixels)
    for bad in ("resize:0.5+", "resize:0.5+nope:1", "+jpeg:75"):
        with pytest.raises(ValueError, match="unknown perturbation"):
            parse_perturbation(bad)
    with pytest.raises(ValueError, match="does not apply to audio"):
        apply(parse_perturbation("resize:0.5+jpeg:75"), Audio(np.zeros(100, np.float32)))
