"""Windows over speech regions."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.speech.vad import SpeechRegion
from synthguard.speech.windowing import Window, cut, speech_windows


@pytest.mark.parametrize(
    ("regions", "duration", "expected"),
    [
        ([], 10.0, []),
        ([(0.0, 0.3)], 10.0, []),  # too short to score
        ([(0.0, 7.0)], 7.0, [(0.0, 3.0), (2.0, 5.0), (4.0, 7.0)]),
        ([(0.0, 6.0)], 6.0, [(0.0, 3.0), (2.0, 5.0), (3.0, 6.0)]),  # last aligned to the end
        ([(4.0, 5.0)], 10.0, [(3.0, 6.0)]),  # short region: one centred window
        ([(0.0, 0.8)], 0.8, [(0.0, 0.8)]),  # clip shorter than a window
        ([(1.0, 2.0), (2.5, 4.0)], 10.0, [(1.0, 4.0)]),  # gap < 1 s merges
        ([(0.0, 1.0), (5.0, 6.0)], 10.0, [(0.0, 3.0), (4.0, 7.0)]),
    ],
)
def test_speech_windows(
    regions: list[tuple[float, float]], duration: float, expected: list[tuple[float, float]]
) -> None:
    ws = speech_windows([SpeechRegion(a, b) for a, b in regions], duration, length=3.0, hop=2.0)
    assert [(w.start, w.end) for w in ws] == expected


def test_speech_fraction() -> None:
    (w,) = speech_windows([SpeechRegion(4.0, 5.0)], 10.0, length=3.0, hop=2.0)
    assert w.speech == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.parametrize(("length", "hop"), [(0.0, 1.0), (3.0, 0.0)])
def test_bad_arguments(length: float, hop: float) -> None:
    with pytest.raises(ValueError):
        speech_windows([], 1.0, length=length, hop=hop)


def test_cut_pads_to_length() -> None:
    x = np.ones(8000, dtype=np.float32)
    seg = cut(x, Window(0.0, 0.5, 1.0), 16_000, 3.0)
    assert seg.shape == (48_000,) and seg[:8000].all() and not seg[8000:].any()
