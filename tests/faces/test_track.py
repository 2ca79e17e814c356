"""Tracking logic, table-driven with synthetic boxes: one track per person across sampled frames."""

from __future__ import annotations

import pytest

from synthguard.faces import Face, FaceTracker, track_faces


def _f(x: float, y: float, s: float = 100.0) -> Face:
    return Face((x, y, x + s, y + s), 0.99)


# Each case: per sampled frame a list of faces; expected track ids per frame (input order).
CASES = {
    "static face keeps its track": ([[_f(100, 100)]] * 4, [[0]] * 4),
    "slow drift keeps its track": ([[_f(100 + 20 * i, 100)] for i in range(5)], [[0]] * 5),
    "fast move without overlap still matches by centre": ([[_f(100, 100)], [_f(160, 110)]], [[0], [0]]),
    "two people stay apart": (
        [[_f(50, 100), _f(500, 100)], [_f(60, 100), _f(490, 100)], [_f(495, 100), _f(55, 100)]],
        [[0, 1], [0, 1], [1, 0]],
    ),
    "jump across the frame is a new person": ([[_f(0, 0)], [_f(600, 400)]], [[0], [1]]),
    "size change beyond the ratio is a new person": ([[_f(100, 100, 50)], [_f(100, 100, 200)]], [[0], [1]]),
    "gap within max_gap resumes the track": ([[_f(100, 100)], [], [], [_f(105, 100)]], [[0], [], [], [0]]),
    "gap beyond max_gap starts a new track": (
        [[_f(100, 100)], [], [], [], [_f(105, 100)]],
        [[0], [], [], [], [1]],
    ),
    "a new face joins later": ([[_f(100, 100)], [_f(100, 100), _f(400, 100)]], [[0], [0, 1]]),
    "two faces cannot share one track": ([[_f(100, 100)], [_f(100, 100), _f(110, 100)]], [[0], [0, 1]]),
}


@pytest.mark.parametrize(("frames", "expected"), CASES.values(), ids=CASES.keys())
def test_tracking(frames: list[list[Face]], expected: list[list[int]]) -> None:
    tracks, per_frame = track_faces([(i, float(i), faces) for i, faces in enumerate(frames)])
    assert [[tf.track_id for tf in frame] for frame in per_frame] == expected
    assert sorted(t.track_id for t in tracks) == sorted({i for frame in expected for i in frame})
    for t in tracks:
        assert [tf.frame_index for tf in t.faces] == sorted(tf.frame_index for tf in t.faces)


def test_tracker_prefers_overlap_over_closeness() -> None:
    tracker = FaceTracker()
    tracker.update(0, 0.0, [_f(100, 100), _f(230, 100)])
    out = tracker.update(1, 1.0, [_f(200, 100)])  # overlaps track 1 (IoU 0.54) more than track 0 (IoU 0)
    assert out[0].track_id == 1
