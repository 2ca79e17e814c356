"""Frozen, typed results that cross module boundaries: Evidence, Verdict, ScanReport.

Scores mean one thing everywhere: a calibrated value in [0, 1], higher = more likely
manipulated or synthetic. ``None`` means "not applicable" (no face, no speech), never "clean".

Every result serialises with ``to_dict()`` into JSON-compatible data that validates against the
published schema (``synthguard/schemas/scan_report.schema.json``) and reads back with
``from_dict()``.

Example:
    >>> ev = Evidence(detector="test.constant", detector_version="1", modality="image",
    ...               score=0.2, threshold=0.5)
    >>> Evidence.from_dict(ev.to_dict()) == ev
    True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

__all__ = [
    "SCHEMA_VERSION",
    "Artifact",
    "Evidence",
    "FrameScore",
    "MediaInfo",
    "Region",
    "ScanReport",
    "Segment",
    "Timing",
    "Verdict",
    "scan_report_schema",
]

SCHEMA_VERSION = "1.0"

Modality = Literal["image", "video", "audio"]
Decision = Literal["pass", "label", "review", "block"]


def _check_score(name: str, value: float | None) -> None:
    if value is None:
        return
    if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a finite number in [0, 1], got {value!r}")


@dataclass(frozen=True, slots=True)
class Region:
    """A scored rectangle in pixels of the (rotated, displayed) image or frame."""

    x: float
    y: float
    width: float
    height: float
    score: float | None = None
    label: str = "face"
    frame_index: int | None = None
    time: float | None = None
    track_id: int | None = None

    def __post_init__(self) -> None:
        _check_score("Region.score", self.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
            "score": self.score,
            "label": self.label,
            "frame_index": self.frame_index,
            "time": self.time,
            "track_id": self.track_id,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Region:
        return cls(**{k: d[k] for k in cls.__slots__ if k in d})


@dataclass(frozen=True, slots=True)
class FrameScore:
    """The score of one sampled video frame."""

    index: int
    time: float
    score: float | None

    def __post_init__(self) -> None:
        _check_score("FrameScore.score", self.score)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "time": self.time, "score": self.score}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FrameScore:
        return cls(index=d["index"], time=d["time"], score=d["score"])


@dataclass(frozen=True, slots=True)
class Segment:
    """A scored time span of audio (seconds from the start of the clip)."""

    start: float
    end: float
    score: float | None
    label: str = "speech"
    speaker: str | None = None

    def __post_init__(self) -> None:
        _check_score("Segment.score", self.score)
        if self.end < self.start:
            raise ValueError(f"Segment end {self.end} is before start {self.start}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "label": self.label,
            "speaker": self.speaker,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Segment:
        return cls(
            start=d["start"],
            end=d["end"],
            score=d["score"],
            label=d.get("label", "speech"),
            speaker=d.get("speaker"),
        )


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file a reviewer can look at: a heatmap PNG, a timeline JSON, ...

    ``data`` holds the bytes while the result is in memory; ``to_dict`` carries only the name,
    type, size and sha256 (artifact stores keep the bytes, addressed by sha256).
    """

    name: str
    kind: str
    media_type: str
    data: bytes = field(default=b"", repr=False, compare=False)
    sha256: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        if self.data and not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())
            object.__setattr__(self, "size", len(self.data))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Artifact:
        return cls(
            name=d["name"], kind=d["kind"], media_type=d["media_type"], sha256=d["sha256"], size=d["size"]
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one detector found in one medium.

    ``score`` is the calibrated probability-like value in [0, 1] (None: not applicable, e.g. no
    face or no speech found). ``threshold`` is the detector's operating point from its card.
    """

    detector: str
    detector_version: str
    modality: Modality
    score: float | None
    threshold: float
    regions: tuple[Region, ...] = ()
    frames: tuple[FrameScore, ...] = ()
    segments: tuple[Segment, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def __post_init__(self) -> None:
        _check_score("Evidence.score", self.score)
        _check_score("Evidence.threshold", self.threshold)

    @property
    def flagged(self) -> bool:
        """True when the score reaches the detector's operating threshold."""
        return self.score is not None and self.score >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "detector_version": self.detector_version,
            "modality": self.modality,
            "score": self.score,
            "threshold": self.threshold,
            "flagged": self.flagged,
            "regions": [r.to_dict() for r in self.regions],
            "frames": [f.to_dict() for f in self.frames],
            "segments": [s.to_dict() for s in self.segments],
            "artifacts": [a.to_dict() for a in self.artifacts],
            "notes": list(self.notes),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(
            detector=d["detector"],
            detector_version=d["detector_version"],
            modality=d["modality"],
            score=d["score"],
            threshold=d["threshold"],
            regions=tuple(Region.from_dict(r) for r in d.get("regions", ())),
            frames=tuple(FrameScore.from_dict(f) for f in d.get("frames", ())),
            segments=tuple(Segment.from_dict(s) for s in d.get("segments", ())),
            artifacts=tuple(Artifact.from_dict(a) for a in d.get("artifacts", ())),
            notes=tuple(d.get("notes", ())),
            seconds=d.get("seconds", 0.0),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's decision on one item.

    ``decision``: ``pass`` (nothing to do), ``label`` (show an AI label), ``review`` (send to a
    human), ``block``. ``aigc_label`` is the GB 45438 / Art. 6 label ("1", "2", "3") or None.
    """

    decision: Decision
    score: float | None
    reasons: tuple[str, ...] = ()
    aigc_label: str | None = None
    policy_version: str = ""

    def __post_init__(self) -> None:
        _check_score("Verdict.score", self.score)
        if self.aigc_label not in (None, "1", "2", "3"):
            raise ValueError(f"aigc_label must be '1', '2', '3' or None, got {self.aigc_label!r}")

    @property
    def flagged(self) -> bool:
        return self.decision != "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "score": self.score,
            "reasons": list(self.reasons),
            "aigc_label": self.aigc_label,
            "policy_version": self.policy_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        return cls(
            decision=d["decision"],
            score=d["score"],
            reasons=tuple(d.get("reasons", ())),
            aigc_label=d.get("aigc_label"),
            policy_version=d.get("policy_version", ""),
        )


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the loader found out about the input, before any detector ran."""

    kind: Modality
    format: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    fps: float | None = None
    frames_sampled: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    has_audio: bool = False
    rotation: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MediaInfo:
        return cls(**{k: d[k] for k in cls.__slots__ if k in d})


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds spent in one stage of a scan."""

    stage: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Timing:
        return cls(stage=d["stage"], seconds=d["seconds"])


@dataclass(frozen=True, slots=True)
class ScanReport:
    """Everything synthguard found out about one input."""

    source: str
    sha256: str
    media: MediaInfo
    evidence: tuple[Evidence, ...]
    verdict: Verdict
    created_at: str
    synthguard_version: str
    timings: tuple[Timing, ...] = ()
    provenance: Mapping[str, Any] | None = field(default=None, compare=False)
    schema_version: str = SCHEMA_VERSION

    @property
    def flagged(self) -> bool:
        return self.verdict.flagged

    def evidence_for(self, detector: str) -> Evidence | None:
        """The evidence of one detector, or None when it did not run."""
        return next((e for e in self.evidence if e.detector == detector), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "source": self.source,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "synthguard_version": self.synthguard_version,
            "media": self.media.to_dict(),
            "evidence": [e.to_dict() for e in self.evidence],
            "verdict": self.verdict.to_dict(),
            "timings": [t.to_dict() for t in self.timings],
            "provenance": dict(self.provenance) if self.provenance is not None else None,
        }

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScanReport:
        major = str(d.get("schema_version", "")).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(
                f"ScanReport schema_version {d.get('schema_version')!r} is not readable by this "
                f"synthguard (reads {SCHEMA_VERSION.split('.')[0]}.x)"
            )
        return cls(
            schema_version=d["schema_version"],
            source=d["source"],
            sha256=d["sha256"],
            created_at=d["created_at"],
            synthguard_version=d["synthguard_version"],
            media=MediaInfo.from_dict(d["media"]),
            evidence=tuple(Evidence.from_dict(e) for e in d["evidence"]),
            verdict=Verdict.from_dict(d["verdict"]),
            timings=tuple(Timing.from_dict(t) for t in d.get("timings", ())),
            provenance=d.get("provenance"),
        )


def scan_report_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of ``ScanReport.to_dict()``."""
    text = resources.files("synthguard.schemas").joinpath("scan_report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
