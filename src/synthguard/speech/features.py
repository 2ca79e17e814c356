"""Log-mel features in NumPy, shared by training and inference so both see identical inputs.

Why NumPy: the runtime must not import torch, and computing features with the very same function
in ``synthguard.train.speech`` removes any train/serve mismatch.

Example:
    >>> import numpy as np
    >>> from synthguard.speech.features import log_mel, frames_for
    >>> log_mel(np.zeros(48_000, dtype=np.float32)).shape == (frames_for(48_000), N_MELS)
    True
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import scipy.fft
import scipy.sparse

__all__ = [
    "HOP",
    "N_FFT",
    "N_MELS",
    "SAMPLE_RATE",
    "WIN",
    "frames_for",
    "log_mel",
    "mel_filterbank",
    "normalise_window",
]

SAMPLE_RATE = 16_000
N_FFT = 512
WIN = 400
HOP = 160
N_MELS = 64
F_MIN = 20.0
F_MAX = 8_000.0


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@functools.cache
def mel_filterbank() -> npt.NDArray[np.float32]:
    """Triangular HTK-style mel filters, shape (N_FFT // 2 + 1, N_MELS), area-normalised (Slaney)."""
    freqs = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(F_MIN)), _hz_to_mel(np.array(F_MAX)), N_MELS + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lower) / (centre - lower)
    down = (upper - freqs[None, :]) / (upper - centre)
    fb = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (upper - lower))
    return np.ascontiguousarray(fb.T.astype(np.float32))


@functools.cache
def _sparse_filterbank_t() -> scipy.sparse.csr_matrix:
    return scipy.sparse.csr_matrix(mel_filterbank().T)


@functools.cache
def _window() -> npt.NDArray[np.float32]:
    w = np.zeros(N_FFT, dtype=np.float32)
    w[:WIN] = np.hanning(WIN + 1)[:WIN].astype(np.float32)  # periodic Hann, zero-padded to N_FFT
    return w


def frames_for(n_samples: int) -> int:
    """Number of feature frames :func:`log_mel` returns for ``n_samples`` samples."""
    return 1 + max(0, n_samples - WIN) // HOP if n_samples >= WIN else 1


def log_mel(samples: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Natural-log mel energies, shape (frames, N_MELS), of 16 kHz mono samples.

    No centring padding: frame ``i`` covers samples ``[i*HOP, i*HOP + WIN)``. Inputs shorter than
    one frame are zero-padded to one frame.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"log_mel takes 1-D samples, got shape {x.shape}")
    if len(x) < WIN:
        x = np.pad(x, (0, WIN - len(x)))
    n = frames_for(len(x))
    padded = np.zeros((n - 1) * HOP + N_FFT, dtype=np.float32)
    padded[: len(x)] = x[: len(padded)]
    frames = np.lib.stride_tricks.as_strided(padded, (n, N_FFT), (HOP * 4, 4), writeable=False)
    spec = scipy.fft.rfft(frames * _window(), axis=1, workers=1)
    power = spec.real**2 + spec.imag**2
    # sparse product: no BLAS call, whose thread pool stalls on a busy machine (9 ms -> 0.1 ms here)
    mel = (_sparse_filterbank_t() @ power.T).T
    return np.log(mel + 1e-6).astype(np.float32)


def normalise_window(mel: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Per-window scalar standardisation (loudness-invariant, keeps the spectral shape)."""
    return ((mel - mel.mean()) / (mel.std() + 1e-5)).astype(np.float32)
