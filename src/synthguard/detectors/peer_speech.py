"""Peer adapters: published anti-spoofing models (AASIST, AASIST-L, RawGAT-ST) run as synthguard detectors.

Why: the bench compares synthguard's own ``audio.synthetic_voice`` with the published state of the
art on the same clips in one run. The weights are not ours to ship (trained on ASVspoof, research
terms): the user converts a checkpoint once with
``synthguard train speech-peer-export --checkpoint AASIST.pth --out aasist.onnx`` (needs the
``train`` extra) and points the detector at the ONNX file. Inference needs onnxruntime only.

The models take 64,600 samples (4.04 s) of 16 kHz audio. Windows are laid over VAD speech without
overlap; short ones are repeat-padded as in the AASIST and RawGAT-ST evaluations. The window score is the softmax
probability of "spoof" (uncalibrated on our data: the models' own training operating point, 0.5);
the clip score is the mean of the top half of window scores, the same aggregation as ours.

Example:
    >>> from synthguard.detectors import create_detector
    >>> create_detector("audio.aasist", model_path="aasist.onnx")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from .._onnx import onnx_session, ort_threads
from ..errors import DetectorError
from ..media import Media
from ..results import Evidence, Segment
from ..speech.analysis import MIN_SPEECH
from ..speech.features import SAMPLE_RATE
from ..speech.vad import detect_speech
from ..speech.windowing import Window, speech_windows
from .base import Detector, DetectorCard, verify_weights
from .registry import register_detector
from .speech import audio_samples, window_evidence

__all__ = ["Aasist5Detector", "AasistDetector", "AasistLDetector", "RawGatStDetector"]

NB_SAMP = 64_600
WINDOW = NB_SAMP / SAMPLE_RATE

_LIMITS = (
    "Published model trained on ASVspoof 2019 LA (VCTK speakers, 2019-era TTS/VC). Scores are "
    "its own softmax, not calibrated on synthguard data. Weights are user-supplied."
)
_LIMITS_5 = (
    "Published model trained on ASVspoof 5 (Multilingual LibriSpeech English speakers; TTS, voice "
    "conversion and adversarial attacks of 2023-24, codec conditions in its data). Scores are its own "
    "softmax, not calibrated on synthguard data. Weights are user-supplied."
)


def _window_samples(x: npt.NDArray[np.float32], w: Window) -> npt.NDArray[np.float32]:
    a = round(w.start * SAMPLE_RATE)
    seg = x[a : a + NB_SAMP]
    if len(seg) == 0:
        return np.zeros(NB_SAMP, np.float32)
    if len(seg) < NB_SAMP:
        seg = np.tile(seg, NB_SAMP // len(seg) + 1)[:NB_SAMP]
    return np.asarray(seg, dtype=np.float32)


class _PeerBase(Detector):
    env_var: ClassVar[str] = ""
    family: ClassVar[str] = "AASIST family"

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        threads: int | None = None,
        batch: int = 8,
        plot: bool = False,
    ) -> None:

        path = model_path or os.environ.get(self.env_var)
        if not path:
            raise DetectorError(
                f"{self.card.name} needs a user-supplied ONNX model: pass model_path=... or set "
                f"{self.env_var}. Convert a published checkpoint with `synthguard train speech-peer-export "
                "--checkpoint CHECKPOINT.pth --out model.onnx` (needs the train extra)."
            )
        verify_weights(Path(path), None)
        self.session = onnx_session(path, ort_threads(threads), owner=self.card.name)
        self.batch, self.plot = max(1, int(batch)), bool(plot)

    def detect(self, media: Media) -> Evidence:
        t0 = time.perf_counter()
        x = audio_samples(media, self.card.name)
        duration = len(x) / SAMPLE_RATE
        regions = detect_speech(x)
        windows = [
            w for w in speech_windows(regions, duration, length=WINDOW, hop=WINDOW) if w.speech >= MIN_SPEECH
        ]
        segments: list[Segment] = []
        for s in range(0, len(windows), self.batch):
            part = windows[s : s + self.batch]
            batch = np.stack([_window_samples(x, w) for w in part])
            logits = self.session.run(None, {"waveform": batch})[0].astype(np.float64)
            z = logits - logits.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            segments.extend(Segment(w.start, w.end, float(ps)) for w, ps in zip(part, p[:, 0], strict=True))
        return window_evidence(
            self.card,
            segments,
            duration,
            [(r.start, r.end) for r in regions],
            plot=self.plot,
            started=t0,
            note=f"peer model ({self.family}); window score = softmax P(spoof)",
        )


def _peer_card(
    name: str,
    description: str,
    licence: str,
    eval_eer: float,
    *,
    corpus: str = "ASVspoof 2019 LA",
    metric: str = "asvspoof2019_la_eval_eer",
    limitations: str = _LIMITS,
) -> DetectorCard:
    """The card of a published ASVspoof checkpoint run from a user-supplied ONNX file."""
    return DetectorCard(
        name=name,
        version="peer-1",
        modalities=("audio",),
        default_enabled=False,
        description=description,
        threshold=0.5,
        input_spec="16 kHz mono, 64,600-sample windows over speech",
        training_data=f"{corpus} (per the checkpoint's authors)",
        licence=licence,
        metrics={metric: eval_eer},
        limitations=limitations,
    )


@register_detector("audio.aasist")
class AasistDetector(_PeerBase):
    """AASIST (Jung et al. 2022) from a user-converted ONNX file (``SYNTHGUARD_AASIST_ONNX``)."""

    env_var = "SYNTHGUARD_AASIST_ONNX"
    card = _peer_card(
        "audio.aasist",
        "Peer: AASIST spectro-temporal graph attention anti-spoofing model (user-supplied ONNX).",
        "MIT (clovaai/aasist)",
        0.0083,
    )


@register_detector("audio.aasist_asvspoof5")
class Aasist5Detector(_PeerBase):
    """AASIST trained on ASVspoof 5 from a user-converted ONNX file (``SYNTHGUARD_AASIST5_ONNX``).

    The same network as :class:`AasistDetector` (the checkpoint's config differs only in training
    settings), trained on newer attacks; on synthguard's data it is the weaker of the two AASIST
    checkpoints (``docs/benchmarks/speech.md``)."""

    env_var = "SYNTHGUARD_AASIST5_ONNX"
    card = _peer_card(
        "audio.aasist_asvspoof5",
        "Peer: AASIST trained on ASVspoof 5 (user-supplied ONNX).",
        "MIT (clovaai/aasist; the checkpoint's LICENSE)",
        0.152,
        corpus="ASVspoof 5",
        metric="asvspoof5_dev_eer",
        limitations=_LIMITS_5,
    )


@register_detector("audio.aasist_l")
class AasistLDetector(_PeerBase):
    """AASIST-L (85k parameters) from a user-converted ONNX file (``SYNTHGUARD_AASIST_L_ONNX``)."""

    env_var = "SYNTHGUARD_AASIST_L_ONNX"
    card = _peer_card(
        "audio.aasist_l",
        "Peer: AASIST-L, the light AASIST (user-supplied ONNX).",
        "MIT (clovaai/aasist)",
        0.0099,
    )


@register_detector("audio.rawgat_st")
class RawGatStDetector(_PeerBase):
    """RawGAT-ST (Tak et al. 2021) from a user-converted ONNX file (``SYNTHGUARD_RAWGAT_ST_ONNX``)."""

    env_var = "SYNTHGUARD_RAWGAT_ST_ONNX"
    family = "RawGAT-ST"
    card = _peer_card(
        "audio.rawgat_st",
        "Peer: RawGAT-ST spectro-temporal graph attention anti-spoofing model, "
        "multiplicative fusion (user-supplied ONNX).",
        "MIT (eurecom-asp/RawGAT-ST-antispoofing)",
        0.0106,
    )
