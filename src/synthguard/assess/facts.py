"""Measured facts: the numbers an assessment takes from the system's own records.

The report never invents a number. Every fact the records cannot supply is ``None`` and is listed
in :attr:`MeasuredFacts.not_recorded`; the report prints it as "not recorded" and rates the
item amber or red accordingly.

:class:`FactsSource` is the one thing the report needs from a database; :class:`StaticFacts` is
an in-memory source (tests, imported numbers) and :class:`~synthguard.assess.StoreFacts` computes
the facts from synthguard's store with SQL.

Example:
    >>> from datetime import date
    >>> p = Period(date(2026, 1, 1), date(2026, 1, 31))
    >>> p.days
    31
    >>> StaticFacts(MeasuredFacts(period=p, source="example")).measure(p).scanned_total
    0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

from ..errors import ConfigError
from ._serde import from_jsonable, to_jsonable

__all__ = [
    "LATENCY_BINS",
    "MODALITIES",
    "DayVolume",
    "FactsSource",
    "MeasuredFacts",
    "Period",
    "PurgeRun",
    "StaticFacts",
]

MODALITIES = ("image", "video", "audio", "other")

#: Review latency histogram bins: (upper bound in seconds, English label). The last bin is open.
LATENCY_BINS: tuple[tuple[float, str], ...] = (
    (300.0, "< 5 min"),
    (900.0, "5-15 min"),
    (3600.0, "15-60 min"),
    (4 * 3600.0, "1-4 h"),
    (24 * 3600.0, "4-24 h"),
    (float("inf"), "> 24 h"),
)


@dataclass(frozen=True, slots=True)
class Period:
    """The assessed period, whole UTC days, both ends inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ConfigError(f"period end {self.end} is before its start {self.start}")

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """From ISO dates (``2026-01-01``); raises :class:`ConfigError` naming the bad one."""
        out = []
        for name, text in (("--from", start), ("--to", end)):
            try:
                out.append(date.fromisoformat(text))
            except ValueError:
                raise ConfigError(f"{name} {text!r} is not a date like 2026-01-31") from None
        return cls(out[0], out[1])

    @property
    def start_at(self) -> datetime:
        """First instant of the period (UTC)."""
        return datetime.combine(self.start, time(0), tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """First instant after the period (UTC), exclusive."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class DayVolume:
    """Items scanned on one day, by modality, and how many of them were flagged."""

    day: date
    by_modality: Mapping[str, int]
    flagged: int

    @property
    def total(self) -> int:
        return sum(self.by_modality.values())


@dataclass(frozen=True, slots=True)
class PurgeRun:
    """One retention purge as the audit log recorded it."""

    at: datetime
    audit_retention_days: float | None
    media_retention_days: float | None
    audit_deleted: int
    media_purged: int


@dataclass(frozen=True, slots=True)
class MeasuredFacts:
    """The numbers of one period. ``None`` = the records hold no source for this number.

    Attributes:
        source: where the numbers came from (database URL without credentials, or a description).
        scanned_by_modality: finished scans (status done) created in the period, per modality.
        failed: scans that failed for good.
        labels: Art. 6 labels the policy applied: ``{"1": n, "2": n, "3": n}``.
        declared_ai: items whose uploader declared them AI-generated.
        declared_unlabelled: of those, items that got no Art. 6 label (should be none: case 2).
        decisions: machine decisions (pass / label / review / block).
        flagged: finished scans whose decision was not ``pass``.
        review_queued: scans sent to human review (decision ``review``).
        reviewed: review decisions (confirm / overturn) recorded in the period.
        confirmed / overturned: of those.
        review_open: scans still pending or escalated at the end of the period.
        reviewers: distinct reviewers who decided in the period.
        review_latency_p50/p90/p99: seconds from the machine verdict to the final review.
        review_latency_hist: counts per :data:`LATENCY_BINS` label.
        live_alerts: alerts raised in live audio/video rooms (None: live rooms record nothing here).
        label_writes: implicit labels written into files (audit ``label.write``).
        labelled_written: of the jobs labelled "1"/"2"/"3" in the period, how many had a label written.
        watermark_writes: invisible watermarks embedded (None: not recorded).
        incidents: security incidents recorded (None: not recorded).
        audit_records: audit records dated within the period.
        audit_oldest: the oldest audit record still held (at the end of the period's report time).
        audit_first_id: id of the oldest record held (> 1: earlier records were purged).
        audit_field_coverage: share of user-initiated audit records in the period carrying
            ``account``, ``time``, ``operation``, ``source_ip``, ``source_port``, ``device``.
        audit_chain_ok / audit_chain_message: result of re-verifying the hash chain.
        audit_head_ok / audit_head_message: whether the oldest record held is the log's first
            (genesis) or follows the last record a recorded retention purge deleted. The chain check
            alone cannot see the oldest records being removed; this can.
        audit_retention_days: the audit retention setting in force (latest purge, else configuration).
        purge_runs: retention purges recorded (all time, newest last).
        auditor_keys: active API keys with the auditor role (regulator / auditor access).
        daily: per-day volumes for the chart.
        not_recorded: names of the facts above that are ``None`` because nothing records them.
    """

    period: Period
    source: str
    measured_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    scanned_by_modality: Mapping[str, int] = field(default_factory=dict)
    failed: int = 0
    labels: Mapping[str, int] = field(default_factory=lambda: {"1": 0, "2": 0, "3": 0})
    declared_ai: int = 0
    declared_unlabelled: int = 0
    decisions: Mapping[str, int] = field(default_factory=dict)
    flagged: int = 0
    review_queued: int = 0
    reviewed: int = 0
    confirmed: int = 0
    overturned: int = 0
    review_open: int = 0
    reviewers: int = 0
    review_latency_p50: float | None = None
    review_latency_p90: float | None = None
    review_latency_p99: float | None = None
    review_latency_hist: Mapping[str, int] = field(default_factory=dict)
    live_alerts: int | None = None
    label_writes: int | None = None
    labelled_written: int | None = None
    watermark_writes: int | None = None
    incidents: int | None = None
    audit_records: int = 0
    audit_oldest: datetime | None = None
    audit_first_id: int | None = None
    audit_field_coverage: Mapping[str, float] = field(default_factory=dict)
    audit_chain_ok: bool | None = None
    audit_chain_message: str = ""
    audit_head_ok: bool | None = None
    audit_head_message: str = ""
    audit_retention_days: float | None = None
    purge_runs: tuple[PurgeRun, ...] = ()
    auditor_keys: int | None = None
    daily: tuple[DayVolume, ...] = ()
    not_recorded: tuple[str, ...] = ()

    @property
    def scanned_total(self) -> int:
        return sum(self.scanned_by_modality.values())

    @property
    def labelled_total(self) -> int:
        return sum(self.labels.values())

    @property
    def overturn_rate(self) -> float | None:
        """Overturned share of final review decisions (None without any)."""
        n = self.confirmed + self.overturned
        return self.overturned / n if n else None

    @property
    def audit_oldest_age_days(self) -> float | None:
        """Age of the oldest audit record when the facts were measured."""
        if self.audit_oldest is None:
            return None
        return (self.measured_at - self.audit_oldest).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = to_jsonable(self)
        d["scanned_total"] = self.scanned_total
        d["overturn_rate"] = self.overturn_rate
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MeasuredFacts:
        out: MeasuredFacts = from_jsonable(cls, dict(d))
        return out


@runtime_checkable
class FactsSource(Protocol):
    """Anything that can measure the facts of a period (a store adapter, a fixture, an import)."""

    def measure(self, period: Period) -> MeasuredFacts:
        """The facts of ``period``."""
        ...


@dataclass(frozen=True)
class StaticFacts:
    """A :class:`FactsSource` that returns fixed facts (tests; numbers imported from elsewhere)."""

    facts: MeasuredFacts

    def measure(self, period: Period) -> MeasuredFacts:
        return replace(self.facts, period=period)
