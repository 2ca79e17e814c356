"""Typed, normalised media: what every detector receives."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["Audio", "Image", "Media", "Video", "VideoFrame"]

TARGET_SAMPLE_RATE = 16_000


@dataclass(frozen=True, eq=False)
class Image:
    """An RGB image, ``pixels`` uint8 of shape (height, width, 3), orientation already applied."""

    pixels: npt.NDArray[np.uint8]
    format: str = "raw"
    size_bytes: int = 0
    kind: str = field(default="image", init=False)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at ``sample_rate`` (16 kHz after loading)."""

    samples: npt.NDArray[np.float32]
    sample_rate: int = TARGET_SAMPLE_RATE
    format: str = "raw"
    size_bytes: int = 0
    source_sample_rate: int | None = None
    source_channels: int | None = None
    kind: str = field(default="audio", init=False)

    @property
    def duration(self) -> float:
        return float(len(self.samples)) / float(self.sample_rate)


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One sampled frame: its index in the decoded stream, its time in seconds and its image."""

    index: int
    time: float
    image: Image
    keyframe: bool = False


@dataclass(frozen=True, eq=False)
class Video:
    """Sampled frames of a video plus its audio track (None when it has none)."""

    frames: tuple[VideoFrame, ...]
    fps: float
    duration: float
    width: int
    height: int
    format: str = "raw"
    size_bytes: int = 0
    rotation: int = 0
    audio: Audio | None = None
    kind: str = field(default="video", init=False)


Media = Image | Video | Audio
