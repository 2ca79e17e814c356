"""The invisible keyed image watermark: round trip, robustness to JPEG / resize, false positives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from synthguard.errors import ConfigError
from synthguard.provenance.watermark import crc16, detect, embed, payload_for


def _photo(seed: int = 0, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A smooth, photo-like test image (noise alone is an unrealistically easy host)."""
    rng = np.random.default_rng(seed)
    small = rng.random((6, 8, 3)) * 255
    img = Image.fromarray(small.astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    arr = np.asarray(img, dtype=np.float64) + rng.normal(0, 4, (size[1], size[0], 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _jpeg(img: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return Image.open(io.BytesIO(buf.getvalue()))


ATTACKS = {
    "none": lambda i: i,
    "jpeg90": lambda i: _jpeg(i, 90),
    "jpeg75": lambda i: _jpeg(i, 75),
    "jpeg50": lambda i: _jpeg(i, 50),
    "resize0.5": lambda i: i.resize((i.width // 2, i.height // 2), Image.Resampling.BILINEAR),
    "screenshot": lambda i: _jpeg(
        i.resize((i.width * 3 // 4, i.height * 3 // 4), Image.Resampling.LANCZOS), 85
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_survives(attack: str) -> None:
    payload = payload_for("PropagateID-42")
    marked = embed(_photo(), payload, key=b"k1", strength=16)
    result = detect(ATTACKS[attack](marked), key=b"k1", expected=payload, strength=16)
    assert result.detected and result.crc_ok and result.payload == payload
    assert result.bit_accuracy == 1.0 and result.p_value is not None and result.p_value < 1e-15


def test_is_invisible() -> None:
    img = _photo()
    marked = embed(img, b"abc", key=b"k")
    mse = ((np.asarray(img, float) - np.asarray(marked, float)) ** 2).mean()
    assert 10 * np.log10(255**2 / mse) > 38


@pytest.mark.parametrize("seed", range(8))
def test_no_false_positive_on_unmarked_or_wrong_key(seed: int) -> None:
    img = _photo(seed)
    payload = payload_for("x")
    assert not detect(img, key=b"k1", expected=payload).detected
    assert not detect(embed(img, payload, key=b"k1"), key=b"other", expected=payload).detected


def test_crc_and_payload_helpers() -> None:
    assert crc16(b"123456789") == 0x29B1  # CRC-16/CCITT-FALSE check value
    assert len(payload_for("anything")) == 6
    with pytest.raises(ConfigError):
        embed(_photo(), b"1234567", key=b"k")
    with pytest.raises(ConfigError):
        embed(_photo(), b"1", key=b"")
    with pytest.raises(ConfigError):
        detect(_photo(), key=b"k", size=100)


# ----------------------------------------------------------------------------- audio

SR = 16000


def _speechlike(seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """Voiced-like harmonics with a moving pitch, syllable envelope and breath noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voiced = sum(np.sin(k * phase) / k for k in range(1, 25))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
    x = 0.1 * voiced * envelope + 0.01 * rng.standard_normal(len(t))
    return (x / np.abs(x).max() * 0.5).astype(np.float32)


def _codec(x: np.ndarray, spec: str) -> np.ndarray:
    from synthguard.bench.perturb import apply, parse_perturbation
    from synthguard.media import Audio

    out = apply(parse_perturbation(spec), Audio(samples=x, sample_rate=SR))
    assert isinstance(out, Audio)
    return out.samples


@pytest.mark.parametrize("attack", ["none", "mp3:64k", "aac:64k", "resample:8000"])
def test_audio_watermark_survives(attack: str) -> None:
    from synthguard.provenance.watermark import detect_audio, embed_audio

    x = _speechlike()
    payload = payload_for("clip-1")
    y = embed_audio(x, SR, payload, key=b"k")
    assert y.shape == x.shape and y.dtype == np.float32
    z = y if attack == "none" else _codec(y, attack)
    result = detect_audio(z, SR, key=b"k", expected=payload)
    assert result.detected and result.bit_accuracy is not None and result.bit_accuracy >= 0.9


@pytest.mark.parametrize("seed", range(4))
def test_audio_watermark_no_false_positive(seed: int) -> None:
    from synthguard.provenance.watermark import detect_audio, embed_audio

    x = _speechlike(seed=seed)
    payload = payload_for("clip-1")
    assert not detect_audio(x, SR, key=b"k", expected=payload).detected
    assert not detect_audio(
        embed_audio(x, SR, payload, key=b"k"), SR, key=b"other", expected=payload
    ).detected


def test_audio_watermark_errors() -> None:
    from synthguard.provenance.watermark import detect_audio, embed_audio

    with pytest.raises(ConfigError):
        embed_audio(np.zeros(100, np.float32), SR, b"x", key=b"k")
    with pytest.raises(ConfigError):
        embed_audio(_speechlike(1.0), SR, b"x", key=b"")
    assert not detect_audio(np.zeros(100, np.float32), SR, key=b"k").detected


@pytest.mark.parametrize("fraction", [0.9, 0.8])
def test_centred_crop_is_found_when_the_payload_is_known(fraction: float) -> None:
    payload = payload_for("PropagateID-42")
    marked = embed(_photo(size=(512, 384)), payload, key=b"k1")
    w, h = marked.size
    cw, ch = round(w * fraction), round(h * fraction)
    cropped = marked.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    assert detect(cropped, key=b"k1", expected=payload).detected
    assert not detect(cropped, key=b"k1", expected=payload, crop_search=False).detected
