"""Limits enforced before and during decoding, and how video frames are sampled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FrameSampling", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what the loader accepts. Checked from headers first, then while decoding,
    so a file that lies in its header still cannot make decoding run away.

    Attributes:
        max_bytes: largest input accepted.
        max_pixels: largest image or video frame (width x height). 40 MP photos pass; pixel
            bombs (e.g. 50000 x 50000 PNG) do not.
        max_dimension: largest width or height of an image or frame.
        max_duration: longest audio or video, in seconds.
        max_frames: most video frames kept after sampling.
        max_decoded_frames: most video frames decoded while looking for the sampled ones.
    """

    max_bytes: int = 2 * 1024**3
    max_pixels: int = 100_000_000
    max_dimension: int = 20_000
    max_duration: float = 3 * 3600.0
    max_frames: int = 32
    max_decoded_frames: int = 200_000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pixels", "max_dimension", "max_frames", "max_decoded_frames"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.max_duration <= 0:
            raise ValueError("Limits.max_duration must be positive")


@dataclass(frozen=True)
class FrameSampling:
    """Which video frames to decode into images.

    ``mode="fps"`` keeps frames at ``fps`` per second; ``mode="keyframes"`` keeps every
    ``every``-th keyframe (fast: non-key frames are not decoded). Either way at most
    ``Limits.max_frames`` are kept, spread over the whole video when a duration is known.
    """

    mode: Literal["fps", "keyframes"] = "fps"
    fps: float = 1.0
    every: int = 1

    def __post_init__(self) -> None:
        if self.mode not in ("fps", "keyframes"):
            raise ValueError("FrameSampling.mode must be 'fps' or 'keyframes'")
        if self.fps <= 0 or self.every < 1:
            raise ValueError("FrameSampling.fps must be > 0 and every >= 1")
