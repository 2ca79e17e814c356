"""Media ingestion: one loader for images, video and audio, with limits enforced before decoding.

Example:
    >>> from synthguard.media import load, Limits
    >>> media = load("examples/media/sample.wav", limits=Limits(max_duration=600))  # doctest: +SKIP
    >>> media.kind, media.sample_rate  # doctest: +SKIP
    ('audio', 16000)
"""

from ._load import ACCEPTED, MediaSource, load, read_source
from ._sniff import Sniffed, sniff
from ._types import TARGET_SAMPLE_RATE, Audio, Image, Media, Video, VideoFrame
from .limits import FrameSampling, Limits

__all__ = [
    "ACCEPTED",
    "TARGET_SAMPLE_RATE",
    "Audio",
    "FrameSampling",
    "Image",
    "Limits",
    "Media",
    "MediaSource",
    "Sniffed",
    "Video",
    "VideoFrame",
    "load",
    "read_source",
    "sniff",
]
