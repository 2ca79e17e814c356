"""NMS and IoU in numpy: the pieces MTCNN and the tracker rely on."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.faces import iou, nms


@pytest.mark.parametrize(
    ("boxes", "scores", "threshold", "method", "expected"),
    [
        ([], [], 0.5, "union", []),
        ([[0, 0, 10, 10]], [0.3], 0.5, "union", [0]),
        ([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5, "union", [0, 2]),
        ([[0, 0, 10, 10], [1, 1, 10, 10]], [0.8, 0.9], 0.5, "union", [1]),  # best score survives
        ([[0, 0, 10, 10], [5, 0, 15, 10]], [0.9, 0.8], 0.5, "union", [0, 1]),  # IoU 1/3 < 0.5
        ([[0, 0, 10, 10], [5, 0, 15, 10]], [0.9, 0.8], 0.3, "union", [0]),
        ([[0, 0, 100, 100], [10, 10, 30, 30]], [0.9, 0.8], 0.7, "union", [0, 1]),  # nested: IoU 0.04
        ([[0, 0, 100, 100], [10, 10, 30, 30]], [0.9, 0.8], 0.7, "min", [0]),  # nested: min-overlap 1
        ([[0, 0, 0, 0], [0, 0, 0, 0]], [0.9, 0.8], 0.5, "union", [0, 1]),  # no area: never overlaps
    ],
)
def test_nms(boxes: list, scores: list, threshold: float, method: str, expected: list) -> None:
    keep = nms(np.array(boxes, float).reshape(-1, 4), np.array(scores, float), threshold, method)  # type: ignore[arg-type]
    assert keep.tolist() == expected


@pytest.mark.parametrize(
    ("boxes", "scores", "method", "error"),
    [
        ([[0, 0, 1, 1]], [0.1, 0.2], "union", "2 scores"),
        ([[0, 0, 1, 1]], [0.1], "max", "method"),
    ],
)
def test_nms_rejects_bad_input(boxes: list, scores: list, method: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        nms(np.array(boxes, float), np.array(scores, float), 0.5, method)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [10, 10, 20, 20], 0.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 1 / 3),
        ([0, 0, 0, 0], [0, 0, 10, 10], 0.0),
    ],
)
def test_iou(a: list, b: list, expected: float) -> None:
    assert iou(np.array([a], float), np.array([b], float))[0, 0] == pytest.approx(expected)
