"""``test.*`` detectors: deterministic, model-free, for tests and wiring checks only.

Their scores carry no forensic meaning. They exist so the pipeline, service and bench can be
exercised end to end without any model.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from ..errors import DetectorInputError
from ..media import Audio, Image, Media
from ..results import Evidence, Segment
from .base import Detector, DetectorCard
from .registry import register_detector

_NOTE = "test detector: score has no forensic meaning"


@register_detector("test.constant")
class ConstantDetector(Detector):
    """Returns the same score for every image or audio input."""

    card = DetectorCard(
        name="test.constant",
        version="1",
        modalities=("image", "audio"),
        description="Returns a fixed score (default 0.1). For tests only.",
        threshold=0.5,
        input_spec="any image or audio",
        training_data="none",
    )

    def __init__(self, score: float = 0.1) -> None:
        self.score = float(score)

    def detect(self, media: Media) -> Evidence:
        if not isinstance(media, Image | Audio):
            raise DetectorInputError(f"test.constant takes image or audio, got {media.kind}")
        modality: Literal["image", "audio"] = "image" if isinstance(media, Image) else "audio"
        return Evidence(
            self.card.name, self.card.version, modality, self.score, self.card.threshold, notes=(_NOTE,)
        )


@register_detector("test.image_saturation")
class SaturationDetector(Detector):
    """Score = mean colour saturation of the image (deterministic, content-dependent)."""

    card = DetectorCard(
        name="test.image_saturation",
        version="1",
        modalities=("image",),
        description="Mean HSV saturation in [0, 1]. For tests only.",
        threshold=0.5,
        input_spec="RGB image",
        training_data="none",
    )

    def detect(self, media: Media) -> Evidence:
        if not isinstance(media, Image):
            raise DetectorInputError(f"test.image_saturation takes an image, got {media.kind}")
        t0 = time.perf_counter()
        px = media.pixels.astype(np.float32)
        mx, mn = px.max(axis=2), px.min(axis=2)
        sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
        score = float(np.clip(sat.mean(), 0.0, 1.0))
        return Evidence(
            self.card.name,
            self.card.version,
            "image",
            score,
            self.card.threshold,
            notes=(_NOTE,),
            seconds=time.perf_counter() - t0,
        )


@register_detector("test.audio_energy")
class EnergyDetector(Detector):
    """Per-second RMS loudness as a timeline; score = the loudest second's RMS (clipped to 1)."""

    card = DetectorCard(
        name="test.audio_energy",
        version="1",
        modalities=("audio",),
        description="RMS energy per 1 s window as segments. For tests only.",
        threshold=0.5,
        input_spec="16 kHz mono audio",
        training_data="none",
    )

    def detect(self, media: Media) -> Evidence:
        if not isinstance(media, Audio):
            raise DetectorInputError(f"test.audio_energy takes audio, got {media.kind}")
        t0 = time.perf_counter()
        sr = media.sample_rate
        segments = []
        for start in range(0, len(media.samples), sr):
            chunk = media.samples[start : start + sr]
            rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64)))) if len(chunk) else 0.0
            segments.append(Segment(start / sr, (start + len(chunk)) / sr, min(rms, 1.0), label="audio"))
        score = max((s.score or 0.0 for s in segments), default=None)
        return Evidence(
            self.card.name,
            self.card.version,
            "audio",
            score,
            self.card.threshold,
            segments=tuple(segments),
            notes=(_NOTE,),
            seconds=time.perf_counter() - t0,
        )
