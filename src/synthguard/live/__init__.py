"""Live audio rooms: streaming synthetic-voice detection over PCM chunks.

- :class:`LiveSession`: PCM bytes in (s16le / f32le, 8-192 kHz, 1-8 channels), events out.
- :mod:`~synthguard.live.events`: ``started``, ``segment_scored``, ``alert``, ``speaker_mismatch``,
  ``enrolled``, ``error``, ``ended`` as frozen dataclasses with ``to_dict()``.
- :func:`synthguard.live.ws.create_router`: the WebSocket API ``/v1/streams`` and the demo page
  (imported separately because it needs the ``service`` extra).

Protocol and limits: ``docs/live.md``.

Example:
    >>> import numpy as np
    >>> from synthguard.live import LiveConfig, LiveSession, PcmFormat
    >>> s = LiveSession(PcmFormat(48_000, "s16le", 2), LiveConfig(detector="test.audio_energy"))
    >>> events = s.push(np.zeros(48_000 * 2, dtype="<i2").tobytes()) + s.stop()
    >>> events[-1].type, events[-1].duration
    ('ended', 1.0)
"""

from ._alert import AlertRule
from ._pcm import PcmFormat, StreamingResampler
from ._ring import RingBuffer
from ._voice import OnlineDiarizer, cosine, voice_embedding
from .events import (
    Alert,
    Ended,
    Enrolled,
    LiveEvent,
    SegmentScored,
    SpeakerMismatch,
    SpeakerTimeline,
    Started,
    StreamError,
)
from .session import DEFAULT_DETECTOR, LiveConfig, LiveSession

__all__ = [
    "DEFAULT_DETECTOR",
    "Alert",
    "AlertRule",
    "Ended",
    "Enrolled",
    "LiveConfig",
    "LiveEvent",
    "LiveSession",
    "OnlineDiarizer",
    "PcmFormat",
    "RingBuffer",
    "SegmentScored",
    "SpeakerMismatch",
    "SpeakerTimeline",
    "Started",
    "StreamError",
    "StreamingResampler",
    "cosine",
    "voice_embedding",
]
