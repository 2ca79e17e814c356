"""Model inputs: log-mel shapes, a known tone lands in the right band, raw-sample windows, no drift from training."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from synthguard.speech.analysis import (
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
    aggregate,
    window_features,
    window_inputs,
    window_samples,
)
from synthguard.speech.features import N_MELS, frames_for, log_mel, mel_filterbank, normalise_window

from .conftest import speechlike, tone


@pytest.mark.parametrize(("n", "frames"), [(0, 1), (399, 1), (400, 1), (560, 2), (48_000, 298)])
def test_frames(n: int, frames: int) -> None:
    assert frames_for(n) == frames
    assert log_mel(np.zeros(n, np.float32)).shape == (frames, N_MELS)


def test_tone_peaks_in_its_band() -> None:
    m = log_mel(tone(1.0, freq=1000.0))
    centres = np.argmax(mel_filterbank(), axis=0) * 16_000 / 512
    peak = int(np.argmax(m.mean(axis=0)))
    assert abs(centres[peak] - 1000.0) < 100.0


def test_rejects_2d() -> None:
    with pytest.raises(ValueError):
        log_mel(np.zeros((2, 100), np.float32))


def test_normalise_window_is_nearly_gain_invariant() -> None:
    x = speechlike(3.0)
    a, b = normalise_window(log_mel(x)), normalise_window(log_mel(4.0 * x))
    # not exact: the log floor (1e-6) clips the quietest bins differently
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


def test_window_features_shapes() -> None:
    ws, f = window_features(np.concatenate([speechlike(5.0), np.zeros(16_000, np.float32)]))
    assert len(ws) >= 2 and f.shape == (len(ws), WINDOW_FRAMES, N_MELS) and f.dtype == np.float32


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], None), ([0.2], 0.2), ([0.1, 0.9], 0.9), ([0.1, 0.2, 0.9], 0.55), ([0.0, 0.0, 1.0, 1.0], 1.0)],
)
def test_aggregate(scores: list[float], expected: float | None) -> None:
    got = aggregate(np.array(scores))
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_window_samples_are_the_windows_of_window_features() -> None:
    x = np.concatenate([speechlike(5.0), np.zeros(16_000, np.float32)])
    ws_mel, _ = window_features(x)
    ws, w = window_samples(x)
    assert ws == ws_mel and w.shape == (len(ws), WINDOW_SAMPLES) and w.dtype == np.float32
    a = round(ws[1].start * 16_000)
    np.testing.assert_array_equal(w[1][: len(x) - a], x[a : a + WINDOW_SAMPLES])


def test_window_inputs_dispatches_on_the_front_end() -> None:
    x = speechlike(4.0)
    assert window_inputs("wave", x)[1].shape[1:] == (WINDOW_SAMPLES,)
    assert window_inputs("mel", x)[1].shape[1:] == (WINDOW_FRAMES, N_MELS)
    with pytest.raises(ValueError, match="front end"):
        window_inputs("cqt", x)


def _bundled_card() -> dict[str, object]:
    card = resources.files("synthguard") / "models" / "speech" / "card.json"
    if not card.is_file():
        pytest.skip("no bundled speech model")
    return dict(json.loads(card.read_text("utf-8")))


def test_bundled_model_reads_what_its_card_says() -> None:
    """The ONNX input is named after the card's front end and has the card's window size."""
    import onnxruntime as ort

    card = _bundled_card()
    spec = dict(card["input"])  # type: ignore[call-overload]
    path = resources.files("synthguard") / "models" / "speech" / str(card["weights_file"])
    inp = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_inputs()[0]
    front = spec.get("front", "mel")
    assert inp.name == front
    assert inp.shape[1:] == ([WINDOW_SAMPLES] if front == "wave" else [WINDOW_FRAMES, N_MELS])


def test_features_match_training_fingerprint() -> None:
    """A log-mel model's card stores log-mel statistics of a fixed chirp computed at training time."""
    card = _bundled_card()
    if "feature_fingerprint" not in card:
        pytest.skip("the bundled model reads raw samples, not log-mel")
    fp = dict(card["feature_fingerprint"])  # type: ignore[call-overload]
    t = np.arange(16_000) / 16_000
    m = log_mel((0.5 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.float32))
    assert m.shape[0] == fp["frames"]
    assert float(m.mean()) == pytest.approx(fp["mean"], abs=1e-3)
    assert float(m.std()) == pytest.approx(fp["std"], abs=1e-3)
