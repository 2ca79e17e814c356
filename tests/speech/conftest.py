"""Tiny synthetic signals for the speech tests (made here, no files)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SR = 16_000


def speechlike(seconds: float, seed: int = 0, level: float = 0.1) -> npt.NDArray[np.float32]:
    """A voiced buzz with a gliding pitch and a 4 Hz syllable envelope: what an energy VAD calls speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    buzz = sum(np.sin(k * phase) / k for k in range(1, 20))
    syll = np.abs(np.sin(2 * np.pi * 2.0 * t)) ** 2 * (0.5 + rng.random(len(t)) * 0.0 + 0.5)
    x = level * buzz * syll + rng.normal(0, 1e-4, len(t))
    return x.astype(np.float32)


def silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(int(seconds * SR), dtype=np.float32)


def tone(seconds: float, freq: float = 440.0, level: float = 0.3) -> npt.NDArray[np.float32]:
    t = np.arange(int(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 1) -> npt.NDArray[np.float32]:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(np.float32)


def chord(seconds: float) -> npt.NDArray[np.float32]:
    t = np.arange(int(seconds * SR)) / SR
    x = (
        sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
        * 0.1
        * (1 + 0.3 * np.sin(2 * np.pi * 0.5 * t))
    )
    return x.astype(np.float32)


def melody(seconds: float, seed: int = 0) -> npt.NDArray[np.float32]:
    """Plucked notes, four per second: a stand-in for music without voice."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.25 * SR)) / SR
    notes = []
    for _ in range(int(seconds * 4)):
        f = 220 * 2 ** (rng.integers(0, 12) / 12)
        notes.append(
            0.3 * np.sin(2 * np.pi * f * t) * np.exp(-t * 6)
            + 0.05 * np.sin(4 * np.pi * f * t) * np.exp(-t * 8)
        )
    return np.concatenate(notes).astype(np.float32)
