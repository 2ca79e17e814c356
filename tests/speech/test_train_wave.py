"""The raw-waveform training path end to end on tiny random data (needs the ``train`` extra)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from synthguard.speech.analysis import WINDOW_SAMPLES
from synthguard.train.speech import Windows, export_onnx, predict, predict_onnx, train_model

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="needs the train extra (torch)"
)


def _windows(n: int, seed: int) -> Windows:
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.int8)
    # fakes: a 200 Hz pulse train plus noise, reals: noise; both at random loudness
    t = np.arange(WINDOW_SAMPLES) / 16_000
    pulses = (np.sin(2 * np.pi * 200 * t) > 0.99).astype(np.float32)
    x = rng.normal(0, 1, (n, WINDOW_SAMPLES)).astype(np.float32)
    x[y == 1] = 0.3 * x[y == 1] + pulses
    x *= rng.uniform(0.01, 0.5, (n, 1)).astype(np.float32)
    zeros = np.zeros(n, np.int16)
    return Windows(x.astype(np.float16), y, zeros, np.arange(n, dtype=np.int32), zeros.astype(np.int8))


def test_wave_model_trains_exports_and_matches_onnx(tmp_path: Path) -> None:
    train, val = _windows(96, 0), _windows(32, 1)
    model = train_model(train, val, epochs=2, seed=0, front="wave", splice=0.5, log=lambda _: None)
    path = tmp_path / "wave.onnx"
    export_onnx(model, path, "wave")
    import onnxruntime as ort

    inp = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_inputs()[0]
    assert inp.name == "wave" and inp.shape[1:] == [WINDOW_SAMPLES]
    torch_logits, onnx_logits = predict(model, val.x), predict_onnx(path, val.x)
    np.testing.assert_allclose(onnx_logits, torch_logits, rtol=1e-3, atol=1e-3)
    assert np.ptp(onnx_logits) > 0  # one logit per window, not a constant
