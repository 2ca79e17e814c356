"""Events a live session emits: frozen dataclasses, each with a ``type`` and ``to_dict()``.

Times are seconds of stream audio since the ``start`` message (not wall-clock), so the same audio
gives the same events however it was chunked. The WebSocket API sends ``to_dict()`` as JSON.

Example:
    >>> SegmentScored(start=0.0, end=3.0, score=0.91, threshold=0.5).to_dict()["type"]
    'segment_scored'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

__all__ = [
    "Alert",
    "Ended",
    "Enrolled",
    "LiveEvent",
    "SegmentScored",
    "SpeakerMismatch",
    "SpeakerTimeline",
    "Started",
    "StreamError",
]


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(float(v), nd)


@dataclass(frozen=True)
class Started:
    """The session accepted the ``start`` message; echoes the audio format and scoring setup."""

    sample_rate: int
    format: str
    channels: int
    detector: str
    threshold: float
    window: float
    hop: float
    stream_id: str = ""
    rule: str = ""  # the alert rule and its parameters, e.g. "cusum(drift=1, h=4, max_logit=8)"
    type: ClassVar[str] = "started"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class SegmentScored:
    """One sliding window scored by the speech detector (``score``: P(synthetic), higher = more fake)."""

    start: float
    end: float
    score: float
    threshold: float
    speaker: str | None = None
    type: ClassVar[str] = "segment_scored"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "start": _round(self.start, 3),
            "end": _round(self.end, 3),
            "score": _round(self.score),
            "threshold": self.threshold,
            "speaker": self.speaker,
        }


@dataclass(frozen=True)
class Alert:
    """Synthetic voice sustained over the policy threshold (``state="raised"``), or its end (``"cleared"``).

    ``start`` is where the first over-threshold window of the episode began, ``at`` the stream time
    at which the alert was decided (its latency from the onset is ``at - onset``). A raised alert
    carries ``clip``: the audio that caused it (up to the ring buffer, 16 kHz mono WAV) for
    persistence and review; it is never sent to the client (not in ``to_dict``). ``rule`` names the
    alert rule (``consecutive`` or ``cusum``); ``evidence`` is the CUSUM statistic when it raised
    (``windows``: the windows of the episode). With a confirming detector (``LiveConfig.confirm_detector``)
    a raised alert carries its score on the deciding window (``confirm_score``) and its name
    (``confirmed_by``).
    """

    state: Literal["raised", "cleared"]
    start: float
    at: float
    score: float
    threshold: float
    windows: int
    speaker: str | None = None
    clip: bytes = field(default=b"", repr=False, compare=False)
    rule: str = "consecutive"
    evidence: float | None = None
    confirm_score: float | None = None
    confirmed_by: str | None = None
    type: ClassVar[str] = "alert"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "state": self.state,
            "start": _round(self.start, 3),
            "at": _round(self.at, 3),
            "score": _round(self.score),
            "threshold": self.threshold,
            "windows": self.windows,
            "speaker": self.speaker,
            "rule": self.rule,
            "evidence": self.evidence,
            "confirm_score": self.confirm_score,
            "confirmed_by": self.confirmed_by,
        }


@dataclass(frozen=True)
class SpeakerMismatch:
    """The voice no longer matches the participant's enrolled voice (sustained, once per episode).

    ``score`` is how different the voice is (higher = more suspicious): P(different speaker) from
    ``audio.voice_match``, or ``1 - cosine similarity`` of the built-in MFCC signature (``method``).
    """

    start: float
    at: float
    score: float
    threshold: float
    windows: int
    speaker: str | None = None
    method: str = "audio.voice_match"
    type: ClassVar[str] = "speaker_mismatch"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "start": _round(self.start, 3),
            "at": _round(self.at, 3),
            "score": _round(self.score),
            "threshold": self.threshold,
            "windows": self.windows,
            "speaker": self.speaker,
            "method": self.method,
        }


@dataclass(frozen=True)
class Enrolled:
    """A reference voice was set.

    With the built-in signature (``method="mfcc-cosine"``) ``embedding`` can be stored and sent
    back in a later ``enroll``; ``audio.voice_match`` keeps its reference server-side (empty).
    """

    seconds: float
    embedding: tuple[float, ...]
    source: Literal["stream", "embedding"]
    method: str = "mfcc-cosine"
    type: ClassVar[str] = "enrolled"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "seconds": _round(self.seconds, 3),
            "source": self.source,
            "method": self.method,
            "embedding": [round(v, 6) for v in self.embedding],
        }


@dataclass(frozen=True)
class StreamError:
    """Something was wrong; ``fatal`` errors are followed by the server closing the socket."""

    code: str
    message: str
    fatal: bool = False
    type: ClassVar[str] = "error"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "code": self.code, "message": self.message, "fatal": self.fatal}


@dataclass(frozen=True)
class SpeakerTimeline:
    """Everything scored for one speaker: windows ``(start, end, score)``, alert episodes, speech time."""

    speaker: str
    windows: tuple[tuple[float, float, float], ...]
    alerts: tuple[tuple[float, float], ...]
    max_score: float | None
    speech_seconds: float
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "max_score": _round(self.max_score),
            "speech_seconds": _round(self.speech_seconds, 3),
            "truncated": self.truncated,
            "alerts": [{"start": _round(a, 3), "at": _round(b, 3)} for a, b in self.alerts],
            "windows": [
                {"start": _round(a, 3), "end": _round(b, 3), "score": _round(s)} for a, b, s in self.windows
            ],
        }


@dataclass(frozen=True)
class Ended:
    """The stream ended (``stop``, disconnect or error); a summary with per-speaker timelines."""

    reason: str
    duration: float
    windows_scored: int
    max_score: float | None
    alerts: int
    speaker_mismatches: int
    threshold: float
    detector: str
    timelines: tuple[SpeakerTimeline, ...] = ()
    dropped_events: int = 0
    errors: int = 0
    notes: tuple[str, ...] = field(default=())
    type: ClassVar[str] = "ended"

    @property
    def flagged(self) -> bool:
        """True when at least one alert was raised during the stream."""
        return self.alerts > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "reason": self.reason,
            "duration": _round(self.duration, 3),
            "windows_scored": self.windows_scored,
            "max_score": _round(self.max_score),
            "alerts": self.alerts,
            "speaker_mismatches": self.speaker_mismatches,
            "flagged": self.flagged,
            "threshold": self.threshold,
            "detector": self.detector,
            "timelines": [t.to_dict() for t in self.timelines],
            "dropped_events": self.dropped_events,
            "errors": self.errors,
            "notes": list(self.notes),
        }


LiveEvent = Started | SegmentScored | Alert | SpeakerMismatch | Enrolled | StreamError | Ended
