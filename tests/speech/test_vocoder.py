"""The neural vocoder trained here for the ``neural_vocoder`` engine (needs torch, the train extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .conftest import SR, speechlike

pytest.importorskip("torch")

from synthguard.train.speech_vocoder import HOP, train_vocoder, trained_vocoder


def test_vocoder_trains_deterministically_and_keeps_length_and_level(tmp_path: Path) -> None:
    import torch

    clips = [speechlike(2.0, seed=s) for s in range(3)]
    a = train_vocoder(clips, tmp_path / "a.pt", seed=3, steps=3, log=lambda _m: None)
    b = train_vocoder(clips, tmp_path / "b.pt", seed=3, steps=3, log=lambda _m: None)
    sa, sb = torch.load(a)["state_dict"], torch.load(b)["state_dict"]
    assert all(torch.equal(sa[k], sb[k]) for k in sa)  # same seed, same weights

    vocode = trained_vocoder(tmp_path / "a.pt", clips)
    for n in (HOP * 10, HOP * 10 + 77, SR // 2):  # any length, not only whole frames
        x = speechlike(n / SR, seed=9) * 3.0
        y = vocode(x)
        assert y.shape == x.shape and y.dtype == np.float32 and np.isfinite(y).all()
        # the output comes back at the input's level (the model runs at the training level)
        assert np.sqrt(np.mean(y**2)) < 20 * np.sqrt(np.mean(x**2))


def test_missing_vocoder_is_trained_once_then_reused(tmp_path: Path) -> None:
    clips = [speechlike(1.5, seed=s) for s in range(2)]
    path = tmp_path / "voc.pt"
    logs: list[str] = []
    trained_vocoder(path, clips, steps=2, log=logs.append)
    assert path.is_file() and any("training the neural vocoder" in m for m in logs)
    mtime = path.stat().st_mtime_ns
    trained_vocoder(path, clips, log=logs.append)
    assert path.stat().st_mtime_ns == mtime


def test_too_short_training_audio_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="longer than one vocoder segment"):
        train_vocoder([speechlike(0.2)], tmp_path / "x.pt", steps=1)
