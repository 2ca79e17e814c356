"""A light, training-free speaker embedding: cepstral statistics over voiced speech frames.

Why this and not a neural encoder: the runtime takes numpy + onnxruntime only and no network, and
a "is this really the host?" check in a live room must cost almost nothing. MFCC mean/std vectors
(the classic GMM-UBM era front end), standardised with corpus statistics and compared by cosine, tell
speakers apart well on clean read speech and poorly across channels; the card's metrics say how well.

Example:
    >>> import numpy as np
    >>> speaker_embedding(np.zeros(16_000, np.float32)) is None
    True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.fft

from .features import SAMPLE_RATE, log_mel
from .vad import detect_speech

__all__ = ["N_CEPS", "cosine", "speaker_embedding"]

N_CEPS = 20


def speaker_embedding(
    samples: npt.NDArray[np.floating], min_speech: float = 0.5
) -> npt.NDArray[np.float64] | None:
    """[mean, std] of MFCC 1..20 over the loudest 60% of speech frames; None with < ``min_speech`` s."""
    x = np.asarray(samples, dtype=np.float32)
    regions = [r for r in detect_speech(x) if r.duration > 0.1]
    if sum(r.duration for r in regions) < min_speech:
        return None
    mels = [log_mel(x[int(r.start * SAMPLE_RATE) : int(r.end * SAMPLE_RATE)]) for r in regions]
    m = np.concatenate(mels).astype(np.float64)
    energy = m.mean(axis=1)
    m = m[energy >= np.quantile(energy, 0.4)]
    ceps = scipy.fft.dct(m, type=2, norm="ortho", axis=1)[:, 1 : N_CEPS + 1]
    return np.concatenate([ceps.mean(axis=0), ceps.std(axis=0)])


def cosine(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """Cosine similarity of two vectors (0 for a zero vector)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0
