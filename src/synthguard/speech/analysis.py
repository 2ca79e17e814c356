"""From samples to model inputs: VAD, windows and their model input, plus clip aggregation.

A speech model reads one of two *front ends*: ``wave`` (the window's 16 kHz samples, 48,000 per 3 s
window; the model normalises them itself) or ``mel`` (per-window normalised log-mel, (298, 64)).
One function per front end feeds both the detector and training (``synthguard.train.speech``), so
the windows and inputs a model was trained on are exactly the ones it is served.

Example:
    >>> import numpy as np
    >>> windows, feats = window_features(np.zeros(32_000, dtype=np.float32))
    >>> windows, feats.shape
    ([], (0, 298, 64))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .features import N_MELS, SAMPLE_RATE, frames_for, log_mel, normalise_window
from .vad import SpeechRegion, VadConfig, detect_speech
from .windowing import Window, cut, speech_windows

__all__ = [
    "FRONTS",
    "HOP_SECONDS",
    "MIN_SPEECH",
    "WINDOW_FRAMES",
    "WINDOW_SAMPLES",
    "WINDOW_SECONDS",
    "aggregate",
    "window_features",
    "window_inputs",
    "window_samples",
]

WINDOW_SECONDS = 3.0
HOP_SECONDS = 2.0
MIN_SPEECH = 0.2  # windows with less speech than this fraction are not scored
WINDOW_SAMPLES = round(WINDOW_SECONDS * SAMPLE_RATE)
WINDOW_FRAMES = frames_for(WINDOW_SAMPLES)
FRONTS = ("wave", "mel")  # a model's front end; also the name of its ONNX input


def _scored_windows(
    x: npt.NDArray[np.float32],
    hop: float,
    regions: Sequence[SpeechRegion] | None,
    vad: VadConfig | None,
) -> list[Window]:
    """The windows of a clip that hold enough speech to be scored."""
    if regions is None:
        regions = detect_speech(x, vad)
    return [
        w
        for w in speech_windows(regions, len(x) / SAMPLE_RATE, length=WINDOW_SECONDS, hop=hop)
        if w.speech >= MIN_SPEECH
    ]


def _mel_input(window: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return normalise_window(log_mel(window))


def _wave_input(window: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return window  # the model scales each window itself


# front end -> (shape of one window's input, how it is made from the window's samples)
_FRONT_ENDS: dict[
    str, tuple[tuple[int, ...], Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]]
] = {
    "wave": ((WINDOW_SAMPLES,), _wave_input),
    "mel": ((WINDOW_FRAMES, N_MELS), _mel_input),
}


def window_inputs(
    front: str,
    samples: npt.NDArray[np.floating],
    *,
    hop: float = HOP_SECONDS,
    regions: Sequence[SpeechRegion] | None = None,
    vad: VadConfig | None = None,
) -> tuple[list[Window], npt.NDArray[np.float32]]:
    """The speech windows of a 16 kHz mono clip and the model input of each, for a model with front
    end ``front``: ``wave`` (N, 48000) samples, zero-padded at the end, or ``mel`` (N, frames, mels)."""
    if front not in _FRONT_ENDS:
        raise ValueError(f"unknown speech front end {front!r}; expected one of {FRONTS}")
    shape, make = _FRONT_ENDS[front]
    x = np.asarray(samples, dtype=np.float32)
    windows = _scored_windows(x, hop, regions, vad)
    out = np.zeros((len(windows), *shape), dtype=np.float32)
    for i, w in enumerate(windows):
        out[i] = make(cut(x, w, SAMPLE_RATE, WINDOW_SECONDS))
    return windows, out


def window_features(
    samples: npt.NDArray[np.floating],
    *,
    hop: float = HOP_SECONDS,
    regions: Sequence[SpeechRegion] | None = None,
    vad: VadConfig | None = None,
) -> tuple[list[Window], npt.NDArray[np.float32]]:
    """Speech windows of a 16 kHz mono clip and their normalised log-mel, shape (N, frames, mels)."""
    return window_inputs("mel", samples, hop=hop, regions=regions, vad=vad)


def window_samples(
    samples: npt.NDArray[np.floating],
    *,
    hop: float = HOP_SECONDS,
    regions: Sequence[SpeechRegion] | None = None,
    vad: VadConfig | None = None,
) -> tuple[list[Window], npt.NDArray[np.float32]]:
    """Speech windows of a 16 kHz mono clip and their samples, shape (N, 48000), zero-padded at the end."""
    return window_inputs("wave", samples, hop=hop, regions=regions, vad=vad)


def aggregate(window_scores: npt.NDArray[np.floating]) -> float | None:
    """Clip score from window scores: the mean of the top half (a few fake windows in a long real
    clip count, one noisy window does not dominate). None when there is no window."""
    s = np.sort(np.asarray(window_scores, dtype=np.float64).reshape(-1))[::-1]
    if len(s) == 0:
        return None
    return float(np.mean(s[: max(1, (len(s) + 1) // 2)]))
