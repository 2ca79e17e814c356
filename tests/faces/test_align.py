"""Crop geometry: fixed margin and size, eye levelling, centre crops, mapping back to the source."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthguard.faces import CropSpec, Face, align_crop, center_crop


def _face(cx: float, cy: float, side: float, angle_deg: float) -> Face:
    t = math.radians(angle_deg)
    d = side * 0.2
    le = (cx - d * math.cos(t), cy - side * 0.1 - d * math.sin(t))
    re = (cx + d * math.cos(t), cy - side * 0.1 + d * math.sin(t))
    return Face(
        (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), 0.99, (le, re, (cx, cy), le, re)
    )


@pytest.mark.parametrize(
    ("face", "spec", "side", "angle"),
    [
        (_face(100, 100, 80, 0), CropSpec(size=64, margin=1.0), 80.0, 0.0),
        (_face(100, 100, 80, 0), CropSpec(size=64, margin=1.5), 120.0, 0.0),
        (_face(100, 100, 80, 20), CropSpec(size=64, margin=1.0), 80.0, 20.0),
        (_face(100, 100, 80, -30), CropSpec(size=32, margin=1.0), 80.0, -30.0),
        (_face(100, 100, 80, 80), CropSpec(size=32, margin=1.0, max_angle=45), 80.0, 45.0),  # clamped
        (_face(100, 100, 80, 20), CropSpec(size=32, margin=1.0, align=False), 80.0, 0.0),
        (Face((10, 20, 50, 100), 0.9), CropSpec(size=16, margin=1.0), 80.0, 0.0),  # no landmarks, tall box
    ],
)
def test_crop_geometry(face: Face, spec: CropSpec, side: float, angle: float) -> None:
    crop = align_crop(np.zeros((200, 200, 3), np.uint8), face, spec)
    assert crop.pixels.shape == (spec.size, spec.size, 3)
    assert crop.pixels.dtype == np.uint8
    assert crop.side == pytest.approx(side)
    assert crop.angle == pytest.approx(angle)
    assert crop.center == pytest.approx(face.center)
    # the crop centre maps back to the face centre, its corner to a point at distance side/sqrt(2)
    assert crop.to_source(spec.size / 2, spec.size / 2) == pytest.approx(face.center)
    cx, cy = crop.to_source(0, 0)
    assert math.hypot(cx - face.center[0], cy - face.center[1]) == pytest.approx(side / math.sqrt(2))


def test_crop_levels_the_eyes() -> None:
    """A tilted pair of bright 'eyes' ends up on one row of the aligned crop."""
    img = np.zeros((200, 200, 3), np.uint8)
    face = _face(100, 100, 100, 25)
    for x, y in face.landmarks[:2]:
        img[round(y) - 2 : round(y) + 3, round(x) - 2 : round(x) + 3] = 255
    crop = align_crop(img, face, CropSpec(size=100, margin=1.0)).pixels[..., 0]
    ys, xs = np.nonzero(crop > 128)
    left, right = ys[xs < 50], ys[xs >= 50]
    assert abs(left.mean() - right.mean()) < 1.5
    unaligned = align_crop(img, face, CropSpec(size=100, margin=1.0, align=False)).pixels[..., 0]
    ys, xs = np.nonzero(unaligned > 128)
    assert abs(ys[xs < 50].mean() - ys[xs >= 50].mean()) > 10


def test_crop_outside_the_image_is_black() -> None:
    img = np.full((100, 100, 3), 200, np.uint8)
    crop = align_crop(img, Face((0, 0, 100, 100), 0.9), CropSpec(size=50, margin=2.0)).pixels
    assert crop[0, 0].tolist() == [0, 0, 0]
    assert crop[25, 25].tolist() == [200, 200, 200]


@pytest.mark.parametrize(("shape", "side"), [((100, 100), 100.0), ((80, 120), 80.0), ((300, 90), 90.0)])
def test_center_crop(shape: tuple[int, int], side: float) -> None:
    img = np.zeros((*shape, 3), np.uint8)
    crop = center_crop(img, CropSpec(size=48))
    assert crop.pixels.shape == (48, 48, 3)
    assert crop.side == side
    assert crop.center == (shape[1] / 2, shape[0] / 2)


@pytest.mark.parametrize("kwargs", [{"size": 8}, {"margin": 0}, {"max_angle": -1}])
def test_cropspec_rejects(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        CropSpec(**kwargs)
