"""One consistent face crop for training and inference: eye-levelled, fixed margin, fixed size.

The crop is a square centred on the face box, rotated so the eyes are level, with side
``margin x max(box width, box height)``, resampled to ``size`` x ``size``. Training crops are made
with the same function (see :mod:`synthguard.train.faces`), so the classifier sees at inference
exactly the geometry it learned on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage

from ._mtcnn import Face

__all__ = ["CropSpec", "FaceCrop", "align_crop", "center_crop", "crop_affine"]


@dataclass(frozen=True, slots=True)
class CropSpec:
    """How a face becomes a classifier input.

    Attributes:
        size: output side in pixels.
        margin: crop side as a multiple of the larger side of the face box.
        align: rotate so that the eyes are level (needs landmarks).
        max_angle: larger eye angles (degrees) are clamped: a landmark error must not turn a crop upside down.
    """

    size: int = 192
    margin: float = 1.3
    align: bool = True
    max_angle: float = 45.0

    def __post_init__(self) -> None:
        if self.size < 16 or self.margin <= 0 or self.max_angle < 0:
            raise ValueError("CropSpec: size >= 16, margin > 0 and max_angle >= 0 required")


@dataclass(frozen=True, eq=False)
class FaceCrop:
    """A crop and where it came from.

    Attributes:
        pixels: uint8 ``(size, size, 3)`` RGB.
        center: crop centre in source pixels.
        side: crop side in source pixels.
        angle: rotation in degrees that levelled the eyes (positive: the right eye was lower).
    """

    pixels: npt.NDArray[np.uint8]
    center: tuple[float, float]
    side: float
    angle: float

    def to_source(self, u: float, v: float) -> tuple[float, float]:
        """Map a crop pixel ``(u, v)`` back to source-image coordinates."""
        a, b, c, d, e, f = crop_affine(self.center, self.side, self.angle, self.pixels.shape[0])
        return (a * u + b * v + c, d * u + e * v + f)


def crop_affine(
    center: tuple[float, float], side: float, angle: float, size: int
) -> tuple[float, float, float, float, float, float]:
    """PIL ``AFFINE`` coefficients mapping output pixel ``(u, v)`` to source ``(x, y)``."""
    s = side / size
    t = math.radians(angle)
    cos, sin = math.cos(t) * s, math.sin(t) * s
    half = size / 2.0
    cx, cy = center
    # x = cx + cos*(u-half) - sin*(v-half);  y = cy + sin*(u-half) + cos*(v-half)
    return (cos, -sin, cx - cos * half + sin * half, sin, cos, cy - sin * half - cos * half)


def _warp(
    pixels: npt.NDArray[np.uint8], center: tuple[float, float], side: float, angle: float, size: int
) -> npt.NDArray[np.uint8]:
    img = PILImage.fromarray(pixels)
    cx, cy = center
    # Big downscales alias with bilinear sampling: shrink by an integer factor first.
    factor = int(side / size)
    if factor >= 2:
        img = img.reduce(factor)
        cx, cy, side = cx / factor, cy / factor, side / factor
    coeffs = crop_affine((cx, cy), side, angle, size)
    out = img.transform(
        (size, size),
        PILImage.Transform.AFFINE,
        coeffs,
        resample=PILImage.Resampling.BILINEAR,
        fillcolor=(0, 0, 0),
    )
    return np.asarray(out, dtype=np.uint8)


def align_crop(pixels: npt.NDArray[np.uint8], face: Face, spec: CropSpec = CropSpec()) -> FaceCrop:
    """The eye-levelled, fixed-margin square crop of ``face`` (areas outside the image are black).

    Example:
        >>> import numpy as np
        >>> f = Face((10.0, 10.0, 50.0, 60.0), 0.99, ((20.0, 30.0), (40.0, 30.0), (30, 40), (22, 50), (38, 50)))
        >>> c = align_crop(np.zeros((80, 80, 3), np.uint8), f, CropSpec(size=32, margin=1.0))
        >>> c.pixels.shape, c.side, c.angle
        ((32, 32, 3), 50.0, 0.0)
    """
    angle = 0.0
    if spec.align and len(face.landmarks) >= 2:
        (lx, ly), (rx, ry) = face.landmarks[0], face.landmarks[1]
        angle = math.degrees(math.atan2(ry - ly, rx - lx))
        angle = max(-spec.max_angle, min(spec.max_angle, angle))
    side = spec.margin * max(face.width, face.height)
    center = face.center
    return FaceCrop(_warp(pixels, center, side, angle, spec.size), center, side, angle)


def center_crop(pixels: npt.NDArray[np.uint8], spec: CropSpec = CropSpec()) -> FaceCrop:
    """The largest centred square, resized: for inputs that are already face crops (``assume_face``)."""
    h, w = pixels.shape[:2]
    side = float(min(h, w))
    center = (w / 2.0, h / 2.0)
    return FaceCrop(_warp(pixels, center, side, 0.0, spec.size), center, side, 0.0)
