"""Patch sampling and evidence maps for the AI-generated-image detector.

Shared by the runtime detector (``ai_image``) and the trainer (``synthguard.train.images``) so both
cut patches the same way. numpy and Pillow only.

Why patches: generation traces (decoder upsampling, noise statistics) are local and present
everywhere in a synthetic image, while scene content is global. Scoring small native-resolution
patches and averaging keeps the model looking at texture-level traces, bounds memory on huge
images (a fixed number of patches, never the whole 40 MP grid) and gives a map of where the
evidence lies.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage

__all__ = [
    "PatchGrid",
    "grid_patches",
    "heatmap_png",
    "probe_batch",
    "probe_crops",
    "random_crop",
    "random_patches",
]

U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PatchGrid:
    """Patches cut on a regular grid, and where each came from.

    Attributes:
        patches: uint8 array (n, size, size, 3).
        rows, cols: the grid cell (row, column) of each patch.
        grid_shape: (rows, columns) of the full grid over the image.
        size: patch side in pixels.
        scale: factor the image was resized by before cutting (1.0 for images at least
            ``size`` pixels on each side).
    """

    patches: U8
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    grid_shape: tuple[int, int]
    size: int
    scale: float


def _ensure_min_size(pixels: U8, size: int) -> tuple[U8, float]:
    """Upscale (bicubic) images smaller than one patch; larger images stay at native resolution."""
    h, w = pixels.shape[:2]
    if min(h, w) >= size:
        return pixels, 1.0
    scale = size / float(min(h, w))
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    resized = PILImage.fromarray(pixels).resize((nw, nh), PILImage.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.uint8), scale


def _check_rgb(pixels: U8, count: int, what: str) -> None:
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected an RGB array (h, w, 3), got shape {pixels.shape}")
    if count < 1:
        raise ValueError(f"{what} must be >= 1")


def grid_patches(pixels: U8, size: int, max_patches: int) -> PatchGrid:
    """Cut non-overlapping ``size`` patches on a grid; keep at most ``max_patches`` spread evenly.

    The grid is centred (the leftover border is split on both sides). When the grid has more cells
    than ``max_patches`` a deterministic, evenly strided subset is kept, so a 40-megapixel photo
    costs the same as a 1-megapixel one and the same input always gives the same score.
    """
    _check_rgb(pixels, max_patches, "max_patches")
    img, scale = _ensure_min_size(pixels, size)
    h, w = img.shape[:2]
    gr, gc = h // size, w // size
    oy, ox = (h - gr * size) // 2, (w - gc * size) // 2
    n = gr * gc
    if n <= max_patches:
        idx = np.arange(n, dtype=np.int64)
    else:
        idx = np.unique(np.linspace(0, n - 1, max_patches).round().astype(np.int64))
    rows, cols = idx // gc, idx % gc
    out = np.empty((len(idx), size, size, 3), dtype=np.uint8)
    for k, (r, c) in enumerate(zip(rows, cols, strict=True)):
        y, x = oy + int(r) * size, ox + int(c) * size
        out[k] = img[y : y + size, x : x + size]
    return PatchGrid(out, rows, cols, (gr, gc), size, scale)


def random_patches(pixels: U8, size: int, count: int, rng: np.random.Generator) -> U8:
    """``count`` patches at random positions (training); small images are upscaled first."""
    img, _ = _ensure_min_size(pixels, size)
    h, w = img.shape[:2]
    ys = rng.integers(0, h - size + 1, count)
    xs = rng.integers(0, w - size + 1, count)
    return np.stack([img[y : y + size, x : x + size] for y, x in zip(ys, xs, strict=True)])


def probe_crops(pixels: U8, size: int = 256, max_crops: int = 4, *, min_side: int = 32) -> U8:
    """Square native-resolution crops for the backbone probe, spread evenly over the image.

    The side is ``size`` (or the image's shorter side when smaller, upscaled to ``min_side`` at
    least); crops sit on a centred k x k lattice (k = floor(sqrt(max_crops)), fewer along an axis
    that holds only one crop). Like :func:`grid_patches` the cost is fixed whatever the image size,
    and the same image always gives the same crops.
    """
    _check_rgb(pixels, max_crops, "max_crops")
    img, _ = _ensure_min_size(pixels, min_side)
    h, w = img.shape[:2]
    side = min(size, h, w)
    k = max(1, int(np.sqrt(max_crops)))
    ny = 1 if h < side * 1.25 else k
    nx = 1 if w < side * 1.25 else k
    ys = (np.linspace(0, h - side, ny + 2)[1:-1] if ny == 1 else np.linspace(0, h - side, ny)).round()
    xs = (np.linspace(0, w - side, nx + 2)[1:-1] if nx == 1 else np.linspace(0, w - side, nx)).round()
    return np.stack([img[y : y + side, x : x + side] for y in ys.astype(int) for x in xs.astype(int)])


def probe_batch(
    pixels: U8, size: int = 256, max_crops: int = 4, *, min_side: int = 32
) -> npt.NDArray[np.float32]:
    """:func:`probe_crops` as the probe model's input: float32 (n, 3, side, side) in [0, 1]. The runtime
    detector and the trainer both call this, so they feed the ONNX file the same numbers."""
    crops = probe_crops(pixels, size, max_crops, min_side=min_side)
    return np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)


def random_crop(pixels: U8, size: int, rng: np.random.Generator, *, min_side: int = 32) -> U8:
    """One square crop at a random position, with the side :func:`probe_crops` would use (training)."""
    img, _ = _ensure_min_size(pixels, min_side)
    h, w = img.shape[:2]
    side = min(size, h, w)
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    return np.ascontiguousarray(img[y : y + side, x : x + side])


def _colormap(values: npt.NDArray[np.float64]) -> U8:
    """Blue (0, looks real) -> white (0.5) -> red (1, looks generated)."""
    v = np.clip(values, 0.0, 1.0)[..., None]
    blue, white, red = np.array([40, 80, 220.0]), np.array([245, 245, 245.0]), np.array([220, 30, 30.0])
    low = white * (v / 0.5) + blue * (1 - v / 0.5)
    high = red * ((v - 0.5) / 0.5) + white * (1 - (v - 0.5) / 0.5)
    return np.where(v < 0.5, low, high).round().astype(np.uint8)


def heatmap_png(pixels: U8, grid: PatchGrid, scores: npt.NDArray[np.float64], max_side: int = 256) -> bytes:
    """A PNG of the image (grey, dimmed) overlaid with per-patch scores.

    Patches that were not sampled stay uncoloured. The output is at most ``max_side`` pixels on
    its longer side (256 by default), so a 40 MP input still yields a small file.
    """
    gr, gc = grid.grid_shape
    cell = np.full((max(gr, 1), max(gc, 1)), np.nan)
    cell[grid.rows, grid.cols] = scores
    h, w = pixels.shape[:2]
    f = min(1.0, max_side / float(max(h, w)))
    ow, oh = max(1, round(w * f)), max(1, round(h * f))
    # stride first so a 40 MP input is never copied at full resolution
    step = max(1, int(max(h, w) // (2 * max_side)))
    small = np.ascontiguousarray(pixels[::step, ::step])
    base = PILImage.fromarray(small).convert("L").resize((ow, oh), PILImage.Resampling.BILINEAR)
    grey = np.asarray(base, dtype=np.float32)[..., None]
    # map every output pixel to its grid cell (in original-image coordinates, before any upscale)
    eff = grid.size / grid.scale
    oy, ox = (h - gr * eff) / 2.0, (w - gc * eff) / 2.0
    yy = ((np.arange(oh) + 0.5) / f - oy) // eff
    xx = ((np.arange(ow) + 0.5) / f - ox) // eff
    valid_y = (yy >= 0) & (yy < gr)
    valid_x = (xx >= 0) & (xx < gc)
    yi = np.clip(yy, 0, max(gr - 1, 0)).astype(np.int64)
    xi = np.clip(xx, 0, max(gc - 1, 0)).astype(np.int64)
    vals = cell[yi][:, xi]
    mask = valid_y[:, None] & valid_x[None, :] & ~np.isnan(vals)
    colour = _colormap(np.nan_to_num(vals, nan=0.5)).astype(np.float32)
    out = np.where(mask[..., None], 0.45 * grey + 0.55 * colour, 0.6 * grey)
    buf = io.BytesIO()
    PILImage.fromarray(out.round().clip(0, 255).astype(np.uint8)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
