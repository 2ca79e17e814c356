"""Greedy IoU tracking of faces across sampled video frames: one track per person.

Frames are sampled sparsely (about one per second), so faces can move far between samples. A
detection joins a track when their boxes overlap (IoU >= ``iou_threshold``) or, failing that, when
the centres are close relative to the face size and the sizes agree. Matching is greedy, best pair
first, and a track survives ``max_gap`` sampled frames without a detection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._mtcnn import Face
from ._nms import iou

__all__ = ["FaceTracker", "Track", "TrackedFace", "track_faces"]


@dataclass(frozen=True, slots=True)
class TrackedFace:
    """A face in one sampled frame, with the track it belongs to."""

    frame_index: int
    time: float
    face: Face
    track_id: int


@dataclass(slots=True)
class Track:
    """The faces of one person over time (``faces`` in frame order)."""

    track_id: int
    faces: list[TrackedFace] = field(default_factory=list)
    missed: int = 0

    @property
    def last(self) -> Face:
        return self.faces[-1].face


def _affinity(
    a: Face, b: Face, iou_threshold: float, max_center_shift: float, max_size_ratio: float
) -> float:
    """How well two boxes match: IoU if it passes, else a smaller value for close centres, else -1."""
    overlap = float(iou(np.array([a.box]), np.array([b.box]))[0, 0])
    if overlap >= iou_threshold:
        return overlap
    sa, sb = max(a.width, a.height), max(b.width, b.height)
    if sa <= 0 or sb <= 0 or max(sa, sb) / min(sa, sb) > max_size_ratio:
        return -1.0
    (ax, ay), (bx, by) = a.center, b.center
    shift = math.hypot(ax - bx, ay - by) / ((sa + sb) / 2.0)
    if shift > max_center_shift:
        return -1.0
    return iou_threshold * (1.0 - shift / max_center_shift) * 0.999  # always ranks below a real overlap


class FaceTracker:
    """Assigns track ids to faces frame by frame.

    Args:
        iou_threshold: overlap that matches a detection to a track outright.
        max_center_shift: otherwise, largest centre distance in face sizes that still matches.
        max_size_ratio: and largest ratio of face sizes.
        max_gap: sampled frames a track may miss before it ends.

    Example:
        >>> t = FaceTracker()
        >>> f = Face((0.0, 0.0, 10.0, 10.0), 0.9)
        >>> [x.track_id for x in t.update(0, 0.0, [f])], [x.track_id for x in t.update(1, 1.0, [f])]
        ([0], [0])
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.3,
        max_center_shift: float = 0.75,
        max_size_ratio: float = 1.6,
        max_gap: int = 2,
    ) -> None:
        self.iou_threshold = iou_threshold
        self.max_center_shift = max_center_shift
        self.max_size_ratio = max_size_ratio
        self.max_gap = max_gap
        self.tracks: list[Track] = []
        self._active: list[Track] = []
        self._next_id = 0

    def update(self, frame_index: int, time: float, faces: Sequence[Face]) -> list[TrackedFace]:
        """Add the faces of the next sampled frame; returns them with their track ids (input order)."""
        pairs: list[tuple[float, int, int]] = []
        for ti, track in enumerate(self._active):
            for fi, face in enumerate(faces):
                a = _affinity(
                    track.last, face, self.iou_threshold, self.max_center_shift, self.max_size_ratio
                )
                if a >= 0:
                    pairs.append((a, ti, fi))
        pairs.sort(key=lambda p: -p[0])
        assigned: dict[int, Track] = {}
        used: set[int] = set()
        for _, ti, fi in pairs:
            if ti in used or fi in assigned:
                continue
            used.add(ti)
            assigned[fi] = self._active[ti]
        out: list[TrackedFace] = []
        for fi, face in enumerate(faces):
            found = assigned.get(fi)
            if found is None:
                track = Track(self._next_id)
                self._next_id += 1
                self.tracks.append(track)
                self._active.append(track)
            else:
                track = found
            tf = TrackedFace(frame_index, time, face, track.track_id)
            track.faces.append(tf)
            track.missed = 0
            out.append(tf)
        for ti, track in enumerate(self._active):
            if ti not in used and track.faces[-1].frame_index != frame_index:
                track.missed += 1
        self._active = [t for t in self._active if t.missed <= self.max_gap]
        return out


def track_faces(
    frames: Sequence[tuple[int, float, Sequence[Face]]], **options: float
) -> tuple[list[Track], list[list[TrackedFace]]]:
    """Track faces over ``(frame_index, time, faces)`` tuples; returns tracks and per-frame results."""
    tracker = FaceTracker(**options)  # type: ignore[arg-type]
    per_frame = [tracker.update(i, t, faces) for i, t, faces in frames]
    return tracker.tracks, per_frame
