"""Traces for Art. 6 case 3 ("suspected AI"): an audio "AI" prompt, the platform's own watermark.

These need decoded media (unlike :func:`synthguard.provenance.inspect_bytes`, which reads metadata
only), so the pipeline calls :func:`find_traces` on the loaded medium and sets
``Signals.explicit_label_detected`` from it. OCR of a visible "AI生成" label (``ocr=True``) runs the
Debian ``tesseract-ocr`` + ``tesseract-ocr-chi-sim`` binaries when installed (no Python dependency).

Example:
    >>> import numpy as np
    >>> from synthguard.media import Audio
    >>> from synthguard.provenance.visible import label_audio_samples
    >>> audio = Audio(samples=label_audio_samples(np.zeros(16000, np.float32), 16000))
    >>> find_traces(audio).explicit_label
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PILImage

from ..media import Audio, Image, Media, Video
from .visible import OcrResult, PromptDetection, detect_audio_prompt, detect_visible_label
from .watermark import WatermarkResult, detect, detect_audio

__all__ = ["Traces", "find_traces"]


@dataclass(frozen=True, slots=True)
class Traces:
    """What was found in the content itself."""

    audio_prompt: PromptDetection | None = None
    watermark: WatermarkResult | None = None
    visible_label: OcrResult | None = None

    @property
    def explicit_label(self) -> bool:
        """An explicit label was found: the audio prompt, or visible wording (OCR)."""
        return bool(
            (self.audio_prompt and self.audio_prompt.found)
            or (self.visible_label and self.visible_label.found)
        )

    @property
    def watermarked(self) -> bool:
        return bool(self.watermark and self.watermark.detected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "explicit_label": self.explicit_label,
            "watermarked": self.watermarked,
            "audio_prompt": self.audio_prompt.to_dict() if self.audio_prompt else None,
            "watermark": self.watermark.to_dict() if self.watermark else None,
            "visible_label": self.visible_label.to_dict() if self.visible_label else None,
        }


def find_traces(media: Media, *, watermark_key: bytes | None = None, ocr: bool = False) -> Traces:
    """Look for the audio prompt (audio, a video's audio track), given the key the watermark, and
    with ``ocr`` a visible label in the image / first video frame (Tesseract, ~1-2 s)."""
    audio = media if isinstance(media, Audio) else media.audio if isinstance(media, Video) else None
    prompt = detect_audio_prompt(audio.samples, audio.sample_rate) if audio is not None else None
    mark: WatermarkResult | None = None
    if watermark_key:
        if isinstance(media, Image):
            mark = detect(PILImage.fromarray(np.asarray(media.pixels)), key=watermark_key)
        elif isinstance(media, Video) and media.frames:
            mark = detect(PILImage.fromarray(np.asarray(media.frames[0].image.pixels)), key=watermark_key)
        elif audio is not None:
            mark = detect_audio(audio.samples, audio.sample_rate, key=watermark_key)
    visible: OcrResult | None = None
    if ocr:
        frame = (
            media
            if isinstance(media, Image)
            else media.frames[0].image
            if isinstance(media, Video) and media.frames
            else None
        )
        if frame is not None:
            visible = detect_visible_label(PILImage.fromarray(np.asarray(frame.pixels)))
    return Traces(prompt, mark, visible)
