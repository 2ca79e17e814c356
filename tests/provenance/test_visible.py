"""Explicit labels: wording, placement rules, image / video / audio rendering, prompt detection."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthguard.errors import ConfigError, ProvenanceError
from synthguard.provenance import visible
from synthguard.provenance.aigc import AigcLabel, read_label, write_label
from synthguard.provenance.visible import (
    LabelPlacement,
    VisibleLabelSpec,
    check_placement,
    check_wording,
    detect_audio_prompt,
    label_audio_bytes,
    label_audio_samples,
    label_image,
    label_image_bytes,
    label_video_bytes,
    morse_prompt,
)

from .conftest import decode_all, make_video


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("AI生成", True),
        ("AI合成", True),
        ("人工智能生成", True),
        ("本内容由AI生成", True),
        ("豆包AI生成", True),
        ("AI-generated", False),
        ("生成", False),
        ("AI", False),
        ("", False),
    ],
)
def test_wording(text: str, ok: bool) -> None:
    assert (check_wording(text) == []) is ok
    if not ok:
        with pytest.raises(ConfigError):
            VisibleLabelSpec(text=text)


HAS_CJK_FONT = any(Path(path).is_file() for path, _ in visible.FONT_CANDIDATES)
needs_cjk_font = pytest.mark.skipif(not HAS_CJK_FONT, reason="no CJK font (apt-get install fonts-noto-cjk)")


@needs_cjk_font
@pytest.mark.parametrize("size", [(64, 48), (640, 360), (360, 640), (1000, 1000), (33, 257)])
@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_image_label_meets_the_rules(size: tuple[int, int], corner: str) -> None:
    img = Image.new("RGB", size, (90, 120, 160))
    out, placement = label_image(img, VisibleLabelSpec(corner=corner))  # type: ignore[arg-type]
    assert out.size == size
    assert check_placement(placement) == []
    assert placement.text_height >= 0.05 * min(size)
    assert placement.font.endswith(".ttc")
    x0, y0, x1, y1 = placement.box
    region = np.asarray(out)[y0:y1, x0:x1]
    assert region.std() > 10  # something was drawn there


@pytest.mark.parametrize(
    ("placement", "problem"),
    [
        (LabelPlacement("AI生成", (900, 960, 990, 990), (1000, 1000), 30, "bottom-right", ""), "5%"),
        (LabelPlacement("AI生成", (450, 450, 550, 510), (1000, 1000), 60, "bottom-right", ""), "corner"),
        (LabelPlacement("AI生成", (10, 10, 100, 70), (1000, 1000), 60, "bottom-right", ""), "corner"),
        (LabelPlacement("AI", (10, 10, 100, 70), (1000, 1000), 60, "top-left", ""), "生成"),
        (LabelPlacement("AI生成", (950, 950, 1010, 1010), (1000, 1000), 60, "bottom-right", ""), "outside"),
    ],
)
def test_checker_finds_violations(placement: LabelPlacement, problem: str) -> None:
    assert any(problem in p for p in check_placement(placement))


def test_no_cjk_font_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visible, "FONT_CANDIDATES", (("/nonexistent.ttc", 0),))
    with pytest.raises(ConfigError, match="fonts-noto-cjk"):
        label_image(Image.new("RGB", (100, 100)))
    _, placement = label_image(
        Image.new("RGB", (200, 100)), VisibleLabelSpec(text="AI-generated", strict=False)
    )
    assert placement.text_height >= 5


@needs_cjk_font
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_label_image_bytes_keeps_the_implicit_label(fmt: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (200, 150), (10, 200, 30)).save(buf, fmt)
    labelled = write_label(buf.getvalue(), AigcLabel("1", "P", "I"))
    out, placement = label_image_bytes(labelled)
    assert Image.open(io.BytesIO(out)).format == fmt
    assert read_label(out).label == AigcLabel("1", "P", "I")
    assert check_placement(placement) == []


def test_label_image_bytes_rejects_audio() -> None:
    with pytest.raises(ProvenanceError):
        label_image_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")


@needs_cjk_font
@pytest.mark.slow
def test_video_label_shows_for_the_configured_time() -> None:
    src = make_video("mp4", seconds=4.0, fps=10, audio=True)
    out, placement = label_video_bytes(src, VisibleLabelSpec(video_seconds=2.0))
    assert check_placement(placement) == []
    import av

    with av.open(io.BytesIO(out)) as c:
        assert c.streams.audio, "audio is kept"
        frames = [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    with av.open(io.BytesIO(src)) as c:
        originals = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == len(originals) == 40
    x0, y0, x1, y1 = placement.box
    diffs = [
        np.abs(f[y0:y1, x0:x1].astype(int) - o[y0:y1, x0:x1]).mean()
        for (_, f), o in zip(frames, originals, strict=True)
    ]
    times = [t for t, _ in frames]
    assert all(d > 20 for d, t in zip(diffs, times, strict=True) if t < 2.0)  # labelled for the first 2 s
    assert all(d < 10 for d, t in zip(diffs, times, strict=True) if t >= 2.05)  # and not afterwards


@needs_cjk_font
def test_video_label_throughout() -> None:
    out, _ = label_video_bytes(make_video(seconds=0.5), VisibleLabelSpec(video_seconds=None))
    assert len(decode_all(out)) == 5


def test_morse_prompt_rhythm() -> None:
    sr = 16000
    prompt = morse_prompt(sr, unit=0.1)
    assert len(prompt) == round(14 * 0.1 * sr)
    padded = np.concatenate([np.zeros(800), prompt])
    on = np.convolve(np.abs(padded), np.ones(64), "same") > 1.0
    edges = np.flatnonzero(np.diff(on.astype(int)))
    assert len(edges) == 8  # four tones
    lengths = (edges[1::2] - edges[::2]) / (0.1 * sr)
    assert np.allclose(lengths, [1, 3, 1, 1], atol=0.05)  # short-long-short-short


@pytest.mark.parametrize("sr", [8000, 16000, 44100])
@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_prompt_detection(sr: int, noise: float) -> None:
    rng = np.random.default_rng(0)
    speechlike = (rng.standard_normal(sr * 2) * 0.1).astype(np.float32)
    labelled = label_audio_samples(speechlike, sr) + noise * rng.standard_normal(
        sr * 2 + len(morse_prompt(sr))
    )
    assert detect_audio_prompt(labelled.astype(np.float32), sr).found
    assert detect_audio_prompt(speechlike, sr).pattern == "" or not detect_audio_prompt(speechlike, sr).found


@pytest.mark.parametrize(
    "pattern",
    [[1, 3, 1, 1], [3, 1, 1, 1], [1, 1, 1, 1], [3, 3, 3, 3]],
    ids=["AI", "DI", "H", "dashes"],
)
def test_only_the_ai_rhythm_is_detected(pattern: list[int]) -> None:
    sr, unit = 16000, 0.08
    parts = []
    for units in pattern:
        n = int(units * unit * sr)
        parts += [np.sin(2 * np.pi * 1000 * np.arange(n) / sr), np.zeros(int(unit * sr))]
    x = np.concatenate([*parts, np.zeros(sr)]).astype(np.float32)
    assert detect_audio_prompt(x, sr).found is (pattern == [1, 3, 1, 1])


@pytest.mark.parametrize("kind", ["wav", "flac"])
def test_label_audio_bytes(media: dict[str, bytes], kind: str) -> None:
    out = label_audio_bytes(media[kind])
    import av

    with av.open(io.BytesIO(out)) as c:
        sr = c.streams.audio[0].codec_context.sample_rate
        x = np.concatenate([f.to_ndarray().astype(np.float32).ravel() for f in c.decode(audio=0)]) / 32768
    assert detect_audio_prompt(x, sr).found
    with pytest.raises(ProvenanceError):
        label_audio_bytes(media["mp3"])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Al生成", True),
        ("AI生成\nxyz", True),
        ("A1合成", True),
        ("人工智能生成", True),
        ("AI\n生成", False),
        ("Hy\n一\n和让", False),
        ("", False),
    ],
)
def test_ocr_text_rule(text: str, found: bool) -> None:
    assert visible._label_in_text(text) is found


def test_ocr_without_tesseract_says_unavailable() -> None:
    result = visible.detect_visible_label(Image.new("RGB", (64, 64)), tesseract="no-such-ocr-binary")
    assert not result.found and not result.available


@needs_cjk_font
@pytest.mark.slow
def test_ocr_finds_the_rendered_label() -> None:
    import shutil

    if shutil.which("tesseract") is None:
        pytest.skip("tesseract-ocr is not installed")
    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((6, 8, 3)) * 255).astype("uint8")).resize((640, 480))
    labelled, _ = label_image(img)
    result = visible.detect_visible_label(labelled)
    if not result.available:
        pytest.skip("tesseract has no chi_sim data")
    assert result.found, result.text
    assert not visible.detect_visible_label(img).found
