"""Non-maximum suppression and box overlap in numpy (no torchvision at run time)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["iou", "nms"]

FloatArray = npt.NDArray[np.floating]


def iou(a: FloatArray, b: FloatArray) -> npt.NDArray[np.float64]:
    """Pairwise intersection-over-union of boxes ``a`` (N, 4) and ``b`` (M, 4) as ``x1, y1, x2, y2``.

    Returns:
        An (N, M) matrix; 0 where a box has no area.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return out


def nms(
    boxes: FloatArray, scores: FloatArray, threshold: float, method: Literal["union", "min"] = "union"
) -> npt.NDArray[np.int64]:
    """Greedy non-maximum suppression.

    Args:
        boxes: (N, 4) ``x1, y1, x2, y2``.
        scores: (N,) higher is better.
        threshold: a box is dropped when its overlap with a kept, better box exceeds this.
        method: ``"union"`` (IoU) or ``"min"`` (intersection over the smaller box, which MTCNN's
            last stage uses to drop a small box nested in a larger one).

    Returns:
        Indices of the kept boxes, best first.

    Example:
        >>> nms(np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]), np.array([0.9, 0.8, 0.7]), 0.5)
        array([0, 2])
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if boxes.shape[0] != scores.shape[0]:
        raise ValueError(f"nms: {boxes.shape[0]} boxes but {scores.shape[0]} scores")
    if method not in ("union", "min"):
        raise ValueError(f"nms: method must be 'union' or 'min', got {method!r}")
    x1, y1, x2, y2 = boxes.T
    area = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        denom = np.minimum(area[i], area[rest]) if method == "min" else area[i] + area[rest] - inter
        overlap = np.where(denom > 0, inter / np.where(denom > 0, denom, 1.0), 0.0)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.int64)
