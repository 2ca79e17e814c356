"""A simple, model-free voice signature: MFCC statistics and cosine similarity.

Why this and not a neural speaker encoder: the runtime is numpy + onnxruntime only and no speaker
model ships with synthguard yet (``audio.voice_match`` would replace this). MFCC mean/std vectors
separate speakers of different sex and timbre reasonably well on clean read speech, but they also
move with the microphone, the room and the loudness, and they cannot tell a good voice clone from
its target, so treat ``speaker_mismatch`` as a hint for review, not proof. Measured numbers are in
``docs/benchmarks/live.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
import scipy.fft

from ..speech.features import HOP, WIN, log_mel

__all__ = ["OnlineDiarizer", "cosine", "voice_embedding"]

N_CEPS = 20
MIN_VOICED_FRAMES = 50  # 0.5 s of 10 ms frames


@cache
def _dct_matrix(n_mels: int = 64) -> npt.NDArray[np.float32]:
    eye = np.eye(n_mels, dtype=np.float64)
    d = scipy.fft.dct(eye, type=2, norm="ortho", axis=0)[1:N_CEPS]  # drop c0 (loudness)
    return np.ascontiguousarray(d.T.astype(np.float32))


def voice_embedding(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
    """An L2-normalised 38-d vector (mean and std of MFCC 1-19 over voiced frames) of 16 kHz audio.

    Returns None when fewer than 0.5 s of frames are voiced (louder than 30 dB under the peak).
    """
    x = np.asarray(samples, dtype=np.float32)
    if len(x) < 1600:
        return None
    mel = log_mel(x)  # natural log mel energies, (frames, 64); frame i covers [i*HOP, i*HOP + WIN)
    n = mel.shape[0]
    padded = np.zeros((n - 1) * HOP + WIN, dtype=np.float32)
    padded[: min(len(x), len(padded))] = x[: len(padded)]
    frames = np.lib.stride_tricks.sliding_window_view(padded, WIN)[::HOP][:n]
    db = 10.0 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-12)
    voiced = db > max(float(db.max()) - 30.0, -55.0)  # 30 dB under the peak, and not near-silence
    if int(voiced.sum()) < MIN_VOICED_FRAMES:
        return None
    cep = mel[voiced] @ _dct_matrix(mel.shape[1])
    emb = np.concatenate([cep.mean(axis=0), cep.std(axis=0)]).astype(np.float32)
    # spread the dimensions: low cepstra are large, high ones small
    emb = emb * _lifter()
    n = float(np.linalg.norm(emb))
    return emb / n if n > 0 else None


@cache
def _lifter() -> npt.NDArray[np.float32]:
    k = np.arange(1, N_CEPS, dtype=np.float32)
    w = np.sqrt(k)
    return np.concatenate([w, w]).astype(np.float32)


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Cosine similarity of two embeddings (1 = same direction)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


@dataclass
class _Cluster:
    label: str
    centroid: npt.NDArray[np.float32]
    count: int = 1


@dataclass
class OnlineDiarizer:
    """Leader-follower clustering of window embeddings into speakers ``S1``, ``S2``, ...

    Each window joins the most similar speaker when the cosine similarity reaches ``threshold``
    (the centroid then moves towards it), else it starts a new speaker, up to ``max_speakers``
    (after that it joins the nearest). A speaker with a single window is provisional: when the next
    new speaker appears before it got a second window, the new one takes its place and label (a
    window spanning a turn change matches neither voice and would otherwise leave a spurious
    speaker behind). Deterministic for the same sequence of windows.

    What it cannot do: separate overlapping speech (a window with two voices goes to one of them
    or becomes a spurious speaker), split a window that spans a turn change, re-identify a
    speaker whose microphone or room changes, or tell apart similar voices (same sex, similar
    pitch) reliably; it never merges speakers once they were split.
    """

    threshold: float = 0.8
    max_speakers: int = 8
    clusters: list[_Cluster] = field(default_factory=list)

    def assign(self, emb: npt.NDArray[np.float32]) -> str:
        if not self.clusters:
            self.clusters.append(_Cluster("S1", emb.copy()))
            return "S1"
        sims = [cosine(emb, c.centroid) for c in self.clusters]
        best = int(np.argmax(sims))
        if sims[best] < self.threshold:
            last = self.clusters[-1]
            if len(self.clusters) > 1 and last.count == 1:  # provisional: replaced, label reused
                self.clusters[-1] = _Cluster(last.label, emb.copy())
                return last.label
            if len(self.clusters) < self.max_speakers:
                label = f"S{len(self.clusters) + 1}"
                self.clusters.append(_Cluster(label, emb.copy()))
                return label
        c = self.clusters[best]
        c.count += 1
        c.centroid = (c.centroid + (emb - c.centroid) / min(c.count, 20)).astype(np.float32)
        return c.label
