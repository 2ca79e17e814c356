"""``audio.voice_match``: does this clip's voice match an enrolled reference voice?

For "is this really the host?" checks in live rooms and uploads. The reference is given when the
detector is built (a path, an :class:`~synthguard.media.Audio` or 16 kHz samples). Both sides are
reduced to a cepstral speaker embedding (:mod:`synthguard.speech.speaker`), standardised with
LibriSpeech statistics and compared by cosine similarity. ``score`` is the calibrated probability
that the speakers *differ* (higher = more suspicious, like every synthguard score); the similarity is
in the notes. Not a deepfake detector: a good clone of the host matches; pair it with
``audio.synthetic_voice``.

Example:
    >>> from synthguard.detectors import create_detector
    >>> det = create_detector("audio.voice_match", reference="host.wav")  # doctest: +SKIP
    >>> det.detect(load("guest.m4a")).score  # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import DetectorError
from ..media import Audio, Media, load
from ..results import Evidence
from ..speech.speaker import cosine, speaker_embedding
from .base import Detector, DetectorCard
from .registry import register_detector
from .speech import audio_samples

__all__ = ["VoiceMatchDetector"]


@cache
def _params() -> dict[str, Any]:
    path = resources.files("synthguard") / "models" / "speech" / "voice_match.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _card() -> DetectorCard:
    p = _params()
    return DetectorCard(
        name="audio.voice_match",
        version=str(p.get("version", "0")),
        modalities=("audio",),
        default_enabled=False,
        description="Speaker check against an enrolled reference voice; score = P(different speaker).",
        threshold=float(p.get("threshold", 0.5)),
        input_spec="mono audio, >= 0.5 s of speech on both sides; reference given at construction",
        training_data=str(p.get("training_data", "")),
        metrics={k: float(v) for k, v in p.get("metrics", {}).items()},
        limitations=str(p.get("limitations", "")),
    )


@register_detector("audio.voice_match")
class VoiceMatchDetector(Detector):
    """Compares each clip with one enrolled reference voice.

    Args:
        reference: the enrolled voice: a file path, an Audio, or 16 kHz mono float samples.
    """

    card = _card()

    def __init__(self, reference: str | Path | Audio | npt.NDArray[np.floating] | None = None) -> None:
        p = _params()
        if not p:
            raise DetectorError(
                "audio.voice_match: voice_match.json missing; run `synthguard train speech-voice`"
            )
        if reference is None:
            raise DetectorError(
                "audio.voice_match needs reference=<path | Audio | samples> of the enrolled voice"
            )
        if isinstance(reference, str | Path):
            reference = load(reference, expect="audio")  # type: ignore[assignment]
        ref = (
            audio_samples(reference, self.card.name)
            if isinstance(reference, Audio)
            else np.asarray(reference)
        )
        emb = speaker_embedding(ref)
        if emb is None:
            raise DetectorError("audio.voice_match: the reference has less than 0.5 s of speech")
        self.mean, self.std = np.array(p["mean"]), np.array(p["std"])
        self.a, self.b = float(p["calibration"]["a"]), float(p["calibration"]["b"])
        self.reference = (emb - self.mean) / self.std

    def detect(self, media: Media) -> Evidence:
        t0 = time.perf_counter()
        emb = speaker_embedding(audio_samples(media, self.card.name))
        if emb is None:
            return Evidence(
                self.card.name,
                self.card.version,
                "audio",
                None,
                self.card.threshold,
                notes=("no speech found (VAD): nothing to compare",),
                seconds=time.perf_counter() - t0,
            )
        sim = cosine((emb - self.mean) / self.std, self.reference)
        score = float(1.0 / (1.0 + np.exp(-np.clip(self.a * -sim + self.b, -60, 60))))
        return Evidence(
            self.card.name,
            self.card.version,
            "audio",
            score,
            self.card.threshold,
            notes=(f"cosine similarity to the reference voice: {sim:.3f}",),
            seconds=time.perf_counter() - t0,
        )
