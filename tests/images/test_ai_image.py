"""image.ai_generated: output structure, calibration range, heatmap, large-image sampling, weights."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

import synthguard
from synthguard.detectors import create_detector, detector_card, list_detectors
from synthguard.detectors._image_features import (
    grid_patches,
    heatmap_png,
    probe_crops,
    random_crop,
    random_patches,
)
from synthguard.errors import DetectorError, DetectorInputError, ModelIntegrityError
from synthguard.media import Audio, Image

MODEL_DIR = Path(synthguard.__file__).parent / "models" / "images"
NAME = "image.ai_generated"


@pytest.fixture(scope="module")
def detector():  # type: ignore[no-untyped-def]
    return create_detector(NAME)


def _image(h: int, w: int, seed: int = 0) -> Image:
    """Gradient + tiled noise in uint8 (cheap even at 24 MP): patches neither flat nor pure noise."""
    rng = np.random.default_rng(seed)
    px = np.empty((h, w, 3), np.uint8)
    px[..., 0] = (np.arange(w, dtype=np.uint32) * 200 // max(w, 1)).astype(np.uint8)[None, :]
    px[..., 1] = (np.arange(h, dtype=np.uint32) * 200 // max(h, 1)).astype(np.uint8)[:, None]
    px[..., 2] = 90
    tile = rng.integers(0, 40, (min(h, 256), min(w, 256), 3), dtype=np.uint8)
    px += np.tile(tile, (-(-h // tile.shape[0]), -(-w // tile.shape[1]), 1))[:h, :w]
    return Image(px)


def test_registered_with_card() -> None:
    assert NAME in list_detectors("image.*")
    card = detector_card(NAME)
    assert card.modalities == ("image",)
    assert 0.0 < card.threshold < 1.0
    assert card.weights_file and card.weights_sha256
    assert "test_auc_clean" in card.metrics


def test_model_files_match_card_sha256_and_size() -> None:
    card = json.loads((MODEL_DIR / "card.json").read_text())
    for member in (card, card["probe"]):
        path = MODEL_DIR / member["weights_file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == member["sha256"]
        assert path.stat().st_size < 10 * 1024 * 1024
    cal = card["calibration"]
    assert cal["method"] == "logistic_fusion" and cal["w_cnn"] > 0 and cal["w_probe"] > 0
    assert len(cal["cnn_only"]) == 2


def test_notes_name_both_members(detector) -> None:  # type: ignore[no-untyped-def]
    ev = detector.detect(_image(300, 200))
    assert any(n.startswith("members: patch CNN mean logit") for n in ev.notes)


def test_model_dir_loads_a_candidate_folder(tmp_path: Path, detector) -> None:  # type: ignore[no-untyped-def]
    for name in ("card.json", "ai_image_patch_cnn.onnx", "ai_image_probe.onnx"):
        (tmp_path / name).write_bytes((MODEL_DIR / name).read_bytes())
    img = _image(256, 320, seed=5)
    assert create_detector(NAME, model_dir=tmp_path).detect(img).score == detector.detect(img).score
    (tmp_path / "ai_image_probe.onnx").write_bytes(b"changed")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        create_detector(NAME, model_dir=tmp_path)
    with pytest.raises(DetectorError, match=r"no card\.json"):
        create_detector(NAME, model_dir=tmp_path / "missing")
    with pytest.raises(DetectorError, match="not both"):
        create_detector(NAME, model_dir=tmp_path, model_path=tmp_path / "ai_image_patch_cnn.onnx")


def test_model_path_runs_the_cnn_alone_with_its_own_calibration(detector) -> None:  # type: ignore[no-untyped-def]
    card = json.loads((MODEL_DIR / "card.json").read_text())
    alone = create_detector(NAME, model_path=MODEL_DIR / card["weights_file"], heatmap=False)
    img = _image(256, 256, seed=2)
    ev = alone.detect(img)
    a, b = card["calibration"]["cnn_only"]
    mean_logit = float(np.mean(detector.patch_logits(grid_patches(img.pixels, 64, 64).patches)))
    assert ev.score == pytest.approx(1 / (1 + np.exp(-(a * mean_logit + b))))
    assert not any(n.startswith("members:") for n in ev.notes)
    assert alone.probe_logit(img.pixels) is None


def test_corrupt_weights_are_refused(tmp_path: Path) -> None:
    from synthguard.detectors import verify_weights

    bad = tmp_path / "m.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_weights(bad, detector_card(NAME).weights_sha256)


@pytest.mark.parametrize(
    ("h", "w", "max_patches", "upscaled"),
    [
        (512, 512, 64, False),
        (200, 330, 15, False),  # 3 x 5 grid, every cell scored
        (64, 64, 1, False),
        (40, 24, 1, True),  # smaller than a patch: upscaled, flagged as unreliable
        (6000, 4000, 64, False),  # 24 MP: sampled, never the whole grid
    ],
)
def test_detect_structure_and_range(detector, h: int, w: int, max_patches: int, upscaled: bool) -> None:  # type: ignore[no-untyped-def]
    img = _image(h, w)
    t0 = time.perf_counter()
    ev = detector.detect(img)
    assert time.perf_counter() - t0 < 20.0  # generous: shared CI machines; the benchmark measures speed
    assert ev.detector == NAME and ev.modality == "image"
    assert ev.score is not None and 0.0 <= ev.score <= 1.0
    assert ev.threshold == detector.card.threshold
    assert f"scored {max_patches} of" in ev.notes[0]
    assert any("upscaled" in n for n in ev.notes) == upscaled
    assert 1 <= len(ev.regions) <= 5
    for r in ev.regions:
        assert r.label == "ai_patch" and r.score is not None and 0 <= r.score <= 1
        assert r.x >= -1e-6 and r.y >= -1e-6 and r.x + r.width <= w + 1e-6 and r.y + r.height <= h + 1e-6
    assert [r.score for r in ev.regions] == sorted((r.score for r in ev.regions), reverse=True)
    ev.to_dict()  # serialisable


def test_heatmap_artifact_is_a_small_png(detector) -> None:  # type: ignore[no-untyped-def]
    ev = detector.detect(_image(1200, 800))
    (art,) = ev.artifacts
    assert art.kind == "heatmap" and art.media_type == "image/png" and art.size == len(art.data)
    with PIL.Image.open(io.BytesIO(art.data)) as im:
        assert im.format == "PNG" and max(im.size) == 256 and im.size[0] < im.size[1]


def test_heatmap_can_be_switched_off() -> None:
    ev = create_detector(NAME, heatmap=False).detect(_image(128, 128))
    assert ev.artifacts == ()


def test_deterministic(detector) -> None:  # type: ignore[no-untyped-def]
    img = _image(256, 384, seed=3)
    assert detector.detect(img).score == detector.detect(img).score


def test_rejects_audio(detector) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DetectorInputError, match="takes an image"):
        detector.detect(Audio(np.zeros(1600, np.float32)))


@pytest.mark.parametrize(
    ("shape", "size", "max_patches", "expected", "error"),
    [
        ((512, 512, 3), 64, 64, 64, None),
        ((512, 512, 3), 64, 10, 10, None),
        ((7000, 5000, 3), 64, 128, 128, None),
        ((30, 30, 3), 64, 4, 1, None),
        ((64, 64), 64, 4, 0, ValueError),
        ((64, 64, 3), 64, 0, 0, ValueError),
    ],
)
def test_grid_patches_bounded(
    shape: tuple[int, ...], size: int, max_patches: int, expected: int, error: type[Exception] | None
) -> None:
    px = np.zeros(shape, np.uint8)
    if error:
        with pytest.raises(error):
            grid_patches(px, size, max_patches)
        return
    grid = grid_patches(px, size, max_patches)
    assert grid.patches.shape == (expected, size, size, 3)
    assert len(set(zip(grid.rows.tolist(), grid.cols.tolist(), strict=True))) == expected


@pytest.mark.parametrize(
    ("shape", "max_crops", "expected"),
    [
        ((512, 512, 3), 4, (4, 256, 256, 3)),  # 2 x 2 crops cover the image
        ((256, 384, 3), 4, (2, 256, 256, 3)),  # one row
        ((200, 330, 3), 4, (2, 200, 200, 3)),  # smaller than a crop: the shorter side
        ((8000, 5000, 3), 4, (4, 256, 256, 3)),  # 40 MP: still four crops
        ((20, 30, 3), 4, (2, 64, 64, 3)),  # tiny: upscaled to min_side first
        ((512, 512, 3), 1, (1, 256, 256, 3)),
    ],
)
def test_probe_crops_bounded(shape: tuple[int, ...], max_crops: int, expected: tuple[int, ...]) -> None:
    px = np.zeros(shape, np.uint8)
    assert probe_crops(px, 256, max_crops, min_side=64).shape == expected
    assert random_crop(px, 256, np.random.default_rng(0), min_side=64).shape == expected[1:]


def test_probe_crops_are_spread_and_deterministic() -> None:
    px = _image(600, 900).pixels
    crops = probe_crops(px, 256, 4)
    assert np.array_equal(crops[0], px[:256, :256]) and np.array_equal(crops[-1], px[-256:, -256:])
    assert np.array_equal(crops, probe_crops(px, 256, 4))
    with pytest.raises(ValueError):
        probe_crops(px, 256, 0)
    with pytest.raises(ValueError):
        probe_crops(px[..., 0], 256, 4)


def test_random_patches_and_heatmap_helpers() -> None:
    px = _image(100, 150).pixels
    p = random_patches(px, 64, 7, np.random.default_rng(0))
    assert p.shape == (7, 64, 64, 3)
    grid = grid_patches(px, 64, 64)
    png = heatmap_png(px, grid, np.linspace(0, 1, len(grid.patches)))
    with PIL.Image.open(io.BytesIO(png)) as im:
        assert im.size == (150, 100)


@pytest.mark.data
def test_separates_a_few_shared_images(shared_data: Path, detector) -> None:  # type: ignore[no-untyped-def]
    folder = shared_data / "images" / "diffusiondb-coco"
    with (folder / "labels.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
    picked = [r for r in rows if r["label"] == "fake"][:6] + [r for r in rows if r["label"] == "real"][:6]
    scores: dict[str, list[float]] = {"fake": [], "real": []}
    for r in picked:
        ev = synthguard.scan(folder / r["file"], detectors=[NAME]).evidence_for(NAME)
        assert ev is not None and ev.score is not None
        scores[r["label"]].append(ev.score)
    assert np.mean(scores["fake"]) > np.mean(scores["real"])


def test_pipeline_scores_video_frames(tmp_path: Path) -> None:
    import av

    path = tmp_path / "clip.mp4"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=4)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for i in range(8):
            frame = av.VideoFrame.from_ndarray(_image(96, 128, seed=i).pixels, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    ev = synthguard.scan(path, detectors=[NAME]).evidence_for(NAME)
    assert ev is not None and ev.modality == "video" and ev.frames
    assert all(f.score is not None and 0 <= f.score <= 1 for f in ev.frames)
    assert ev.artifacts and ev.artifacts[0].media_type == "image/png"
