"""The trainer's processing: identical for both classes unless ``p_fake_reals`` asks otherwise."""

from __future__ import annotations

import numpy as np

from synthguard.train.images import augment, reals_history


def _img() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (96, 128, 3), dtype=np.uint8)


def test_same_processing_for_both_classes_by_default() -> None:
    for seed in range(5):
        real = augment(_img(), np.random.default_rng(seed), label=0)
        fake = augment(_img(), np.random.default_rng(seed), label=1)
        assert np.array_equal(real, fake)


def test_fake_reals_history_only_touches_fakes() -> None:
    real = augment(_img(), np.random.default_rng(0), label=0, p_fake_reals=1.0)
    ref = augment(_img(), np.random.default_rng(0), label=0)
    assert np.array_equal(real, ref)
    hist = reals_history(_img(), np.random.default_rng(0))
    assert hist.shape == _img().shape
    assert not np.array_equal(hist, _img())
