"""Fixed-length analysis windows over the speech regions of a clip.

Why: the model scores ~3 s windows; silence is not evidence, so windows are laid only over
speech, and each carries the fraction of it that is speech. Short regions (0.5 s up to one window)
get one window centred on them, taken from the surrounding audio and zero-padded only at the clip's
edges, the same way training windows were cut.

Example:
    >>> from synthguard.speech.vad import SpeechRegion
    >>> [(w.start, w.end) for w in speech_windows([SpeechRegion(0.0, 7.0)], 7.0, length=3.0, hop=2.0)]
    [(0.0, 3.0), (2.0, 5.0), (4.0, 7.0)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .vad import SpeechRegion

__all__ = ["Window", "cut", "speech_windows"]


@dataclass(frozen=True)
class Window:
    """One analysis window in seconds; ``speech`` is the fraction of it covered by speech."""

    start: float
    end: float
    speech: float


def _coverage(start: float, end: float, regions: Sequence[SpeechRegion]) -> float:
    covered = sum(max(0.0, min(end, r.end) - max(start, r.start)) for r in regions)
    return covered / max(end - start, 1e-9)


def speech_windows(
    regions: Sequence[SpeechRegion],
    duration: float,
    *,
    length: float = 3.0,
    hop: float = 2.0,
    min_region: float = 0.5,
    merge_gap: float = 1.0,
) -> list[Window]:
    """Windows of ``length`` seconds every ``hop`` seconds over merged speech regions.

    Regions closer than ``merge_gap`` are merged first (a pause is part of an utterance). A region
    shorter than ``min_region`` gets no window; one shorter than ``length`` gets a single centred
    window. The last window of a long region is aligned to the region's end so no speech is left out.
    """
    if length <= 0 or hop <= 0:
        raise ValueError("window length and hop must be positive")
    merged: list[list[float]] = []
    for r in sorted(regions, key=lambda r: r.start):
        if merged and r.start - merged[-1][1] < merge_gap:
            merged[-1][1] = max(merged[-1][1], r.end)
        else:
            merged.append([r.start, r.end])
    out: list[Window] = []
    for start, end in merged:
        span = end - start
        if span < min_region:
            continue
        if span <= length:
            centre = (start + end) / 2
            ws = min(max(0.0, centre - length / 2), max(0.0, duration - length))
            starts = [ws]
        else:
            n = math.ceil((span - length) / hop) + 1
            starts = [start + k * hop for k in range(n - 1)] + [end - length]
        for ws in starts:
            we = min(ws + length, max(duration, ws))
            out.append(Window(round(ws, 3), round(we, 3), round(_coverage(ws, we, regions), 3)))
    return out


def cut(
    samples: npt.NDArray[np.floating], window: Window, sample_rate: int, length: float
) -> npt.NDArray[np.float32]:
    """The samples of ``window``, zero-padded at the end to exactly ``length`` seconds."""
    n = round(length * sample_rate)
    a = round(window.start * sample_rate)
    seg = np.asarray(samples[a : a + n], dtype=np.float32)
    if len(seg) < n:
        seg = np.pad(seg, (0, n - len(seg)))
    return seg
