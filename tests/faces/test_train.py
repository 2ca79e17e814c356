"""Training helpers (need the ``train`` extra: skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

faces_train = pytest.importorskip("synthguard.train.faces", reason="needs torch (the train extra)")


@pytest.mark.parametrize(("a", "b"), [(1.0, 0.0), (0.5, -1.0), (2.0, 0.7)])
def test_platt_recovers_calibration(a: float, b: float) -> None:
    rng = np.random.default_rng(0)
    logit = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-(a * logit + b)))).astype(float)
    fa, fb = faces_train._platt(logit, y)
    assert fa == pytest.approx(a, abs=0.1) and fb == pytest.approx(b, abs=0.1)


def test_eer_threshold_separates_perfect_scores() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    t, eer = faces_train._eer_threshold(y, p)
    assert 0.3 < t <= 0.7 and eer == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_augment_keeps_shape(seed: int) -> None:
    px = np.random.default_rng(seed).integers(0, 255, (224, 224, 3), dtype=np.uint8)
    out = faces_train.augment(px, np.random.default_rng(seed))
    assert out.shape == px.shape and out.dtype == np.uint8


def test_crop_matches_inference_geometry() -> None:
    from synthguard.faces import Face, align_crop

    px = np.random.default_rng(0).integers(0, 255, (224, 224, 3), dtype=np.uint8)
    face = Face(
        (20.0, 10.0, 210.0, 220.0), 0.99, ((70.0, 90.0), (160.0, 95.0), (115, 130), (80, 170), (150, 172))
    )
    c = align_crop(px, face, faces_train.CROP)
    geom = [c.center[0], c.center[1], c.side, c.angle]
    again = faces_train._crop(px, geom, 0.0, np.random.default_rng(0))
    assert np.array_equal(again, c.pixels)


@pytest.mark.parametrize("seed", range(5))
def test_train_view_is_an_inference_sized_crop(seed: int) -> None:
    """The finetune recipe's online view: a TRAIN_SIZE context crop in, a CROP.size crop out."""
    size = faces_train.TRAIN_SIZE
    px = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)
    out = faces_train._train_view(px, np.random.default_rng(seed))
    assert out.shape == (faces_train.CROP.size, faces_train.CROP.size, 3) and out.dtype == np.uint8


def test_train_context_covers_the_inference_crop() -> None:
    assert round(faces_train.CROP.size * 1.08) <= faces_train.TRAIN_SIZE
