"""The one adapter from synthguard's store to :class:`~synthguard.assess.facts.MeasuredFacts`.

Every number is an SQL aggregate over the store's tables (jobs, reviews, audit_events, api_keys),
so it works the same on SQLite and PostgreSQL and can be re-checked by an auditor with the
queries below. Facts no table records (destination IP, live-room alerts before the live module
writes them, watermark writes, incidents) come back ``None`` and are named in ``not_recorded``.

Example:
    >>> import tempfile
    >>> from synthguard.store import Store, StoreConfig
    >>> from synthguard.assess import Period, StoreFacts
    >>> facts = StoreFacts(Store(StoreConfig(data_dir=tempfile.mkdtemp()))).measure(
    ...     Period.parse("2026-01-01", "2026-01-31"))
    >>> facts.scanned_total
    0
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select

from ..store import Store
from ..store.models import ApiKey, AuditEvent, Job, Review
from .facts import LATENCY_BINS, DayVolume, MeasuredFacts, Period, PurgeRun

__all__ = ["FORMAT_MODALITY", "StoreFacts", "percentile"]

#: Sniffed container format -> modality, used when the stored report does not say (failed parse).
FORMAT_MODALITY: dict[str, str] = {
    **dict.fromkeys(("jpeg", "png", "gif", "bmp", "tiff", "webp", "avif", "heif"), "image"),
    **dict.fromkeys(("mp4", "mov", "avi", "mkv", "webm", "flv", "mpegts"), "video"),
    **dict.fromkeys(("wav", "mp3", "m4a", "flac", "ogg", "aac", "opus"), "audio"),
}

#: Roles whose audit records are written by synthguard itself, not by a person's request.
_MACHINE_ROLES = ("system", "worker")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation (numpy's default); None when empty."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _modality(fmt: str | None, kind: str | None) -> str:
    if kind in ("image", "video", "audio"):
        return kind
    return FORMAT_MODALITY.get((fmt or "").lower(), "other")


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "database"


class StoreFacts:
    """Measures a period from a :class:`~synthguard.store.Store` (implements ``FactsSource``).

    Args:
        store: the store to read (nothing is written).
        verify_chain: re-verify the audit hash chain (reads the whole log once).
    """

    def __init__(self, store: Store, *, verify_chain: bool = True) -> None:
        self.store = store
        self.verify_chain = verify_chain

    def measure(self, period: Period) -> MeasuredFacts:
        """Compute the facts of ``period`` (see :class:`MeasuredFacts` for each definition)."""
        t0, t1 = period.start_at, period.end_at
        now = datetime.now(UTC).replace(microsecond=0)
        not_recorded: list[str] = []
        in_period = sa.and_(Job.created_at >= t0, Job.created_at < t1)
        done = sa.and_(in_period, Job.status == "done")
        kind = Job.report["media"]["kind"].as_string()
        with self.store.engine.connect() as c:

            def scalar(q: Any) -> Any:
                return c.execute(q).scalar()

            def grouped(col: Any, where: Any) -> dict[str, int]:
                rows = c.execute(select(col, func.count()).where(where).group_by(col)).all()
                return {str(k): int(n) for k, n in rows if k is not None}

            # -- volumes
            by_modality: dict[str, int] = defaultdict(int)
            for fmt, k, n in c.execute(
                select(Job.media_format, kind, func.count()).where(done).group_by(Job.media_format, kind)
            ):
                by_modality[_modality(fmt, k)] += int(n)
            failed = int(
                scalar(select(func.count()).select_from(Job).where(in_period, Job.status == "failed"))
            )
            labels_found = grouped(Job.aigc_label, done)
            labels = {k: labels_found.get(k, 0) for k in ("1", "2", "3")}
            declared = int(
                scalar(select(func.count()).select_from(Job).where(done, Job.declared_ai.is_(True)))
            )
            declared_unlabelled = int(
                scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(done, Job.declared_ai.is_(True), Job.aigc_label.is_(None))
                )
            )
            decisions = grouped(Job.decision, done)
            flagged = sum(n for d, n in decisions.items() if d != "pass")

            day_col = func.date(Job.created_at)
            daily_rows: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            daily_flag: dict[date, int] = defaultdict(int)
            for d, fmt, k, dec, n in c.execute(
                select(day_col, Job.media_format, kind, Job.decision, func.count())
                .where(done)
                .group_by(day_col, Job.media_format, kind, Job.decision)
            ):
                day = _day(d)
                daily_rows[day][_modality(fmt, k)] += int(n)
                if dec is not None and dec != "pass":
                    daily_flag[day] += int(n)
            daily = tuple(
                DayVolume(day, dict(sorted(daily_rows[day].items())), daily_flag.get(day, 0))
                for day in sorted(daily_rows)
            )

            # -- reviews
            in_rev = sa.and_(Review.created_at >= t0, Review.created_at < t1)
            actions = grouped(Review.action, in_rev)
            confirmed, overturned = actions.get("confirm", 0), actions.get("overturn", 0)
            reviewers = int(scalar(select(func.count(sa.distinct(Review.reviewer))).where(in_rev)))
            first_final = (
                select(Review.job_id, func.min(Review.created_at).label("first_at"))
                .where(Review.action.in_(("confirm", "overturn")))
                .group_by(Review.job_id)
                .subquery()
            )
            pairs = c.execute(
                select(Job.finished_at, first_final.c.first_at)
                .join(first_final, first_final.c.job_id == Job.id)
                .where(
                    first_final.c.first_at >= t0, first_final.c.first_at < t1, Job.finished_at.is_not(None)
                )
            ).all()
            latencies = [
                max(0.0, (_aware(r) - _aware(f)).total_seconds())
                for f, r in pairs
                if f is not None and r is not None
            ]
            hist = {lab: 0 for _, lab in LATENCY_BINS}
            for x in latencies:
                hist[next(lab for ub, lab in LATENCY_BINS if x < ub)] += 1
            review_queued = decisions.get("review", 0)
            review_open = int(
                scalar(
                    select(func.count())
                    .select_from(Job)
                    .outerjoin(first_final, first_final.c.job_id == Job.id)
                    .where(
                        done,
                        Job.decision == "review",
                        sa.or_(first_final.c.first_at.is_(None), first_final.c.first_at >= t1),
                    )
                )
            )

            # -- audit log
            in_audit = sa.and_(AuditEvent.at >= t0, AuditEvent.at < t1)
            audit_n = int(scalar(select(func.count()).select_from(AuditEvent).where(in_audit)))
            oldest, first_id = c.execute(select(func.min(AuditEvent.at), func.min(AuditEvent.id))).one()
            human = sa.and_(in_audit, AuditEvent.role.not_in(_MACHINE_ROLES))
            n_h, n_ip, n_port, n_dev = c.execute(
                select(
                    func.count(),
                    func.count(AuditEvent.source_ip),
                    func.count(AuditEvent.source_port),
                    func.sum(
                        sa.case((sa.cast(AuditEvent.device, sa.Text).not_in(("{}", "null")), 1), else_=0)
                    ),
                ).where(human)
            ).one()
            n_h = int(n_h or 0)
            coverage: dict[str, float] = {}
            if n_h:
                coverage = {
                    "account": 1.0,  # NOT NULL columns: every record has them
                    "time": 1.0,
                    "operation": 1.0,
                    "source_ip": int(n_ip or 0) / n_h,
                    "source_port": int(n_port or 0) / n_h,
                    "device": int(n_dev or 0) / n_h,
                }
            not_recorded.append("destination_ip")

            head_ok, head_msg = _head_check(c)
            purge_runs = tuple(
                PurgeRun(
                    at=_aware(at),
                    audit_retention_days=_num(det.get("audit_retention_days")),
                    media_retention_days=_num(det.get("media_retention_days")),
                    audit_deleted=int(det.get("audit_deleted") or 0),
                    media_purged=int(det.get("media_purged") or 0),
                )
                for at, det in c.execute(
                    select(AuditEvent.at, AuditEvent.details)
                    .where(AuditEvent.action == "retention.purge")
                    .order_by(AuditEvent.id)
                )
                if isinstance(det, dict)
            )
            retention = (
                purge_runs[-1].audit_retention_days
                if purge_runs and purge_runs[-1].audit_retention_days is not None
                else float(self.store.config.audit_retention_days)
            )

            def counted(prefix: str, action_like: str, name: str) -> int | None:
                """Events of a kind that some module records; None when no module ever recorded any."""
                ever = scalar(
                    select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like(prefix))
                )
                if not ever:
                    not_recorded.append(name)
                    return None
                return int(
                    scalar(
                        select(func.count())
                        .select_from(AuditEvent)
                        .where(in_audit, AuditEvent.action.like(action_like))
                    )
                )

            live_alerts = counted("live.%", "live.alert%", "live_alerts")
            watermark_writes = counted("watermark.%", "watermark.%", "watermark_writes")
            incidents = counted("incident.%", "incident.%", "incidents")
            label_writes = int(
                scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(in_audit, AuditEvent.action == "label.write")
                )
            )
            labelled_ids = select(Job.id).where(done, Job.aigc_label.is_not(None))
            labelled_written = int(
                scalar(
                    select(func.count(sa.distinct(AuditEvent.job_id))).where(
                        AuditEvent.action == "label.write", AuditEvent.job_id.in_(labelled_ids)
                    )
                )
            )
            auditor_keys = int(
                scalar(
                    select(func.count())
                    .select_from(ApiKey)
                    .where(ApiKey.role == "auditor", ApiKey.revoked_at.is_(None))
                )
            )

        chain_ok: bool | None = None
        chain_msg = "not verified"
        if self.verify_chain:
            chain_ok, chain_msg = self.store.verify_audit_chain()
        return MeasuredFacts(
            period=period,
            source=_safe_url(self.store.config.url),
            measured_at=now,
            scanned_by_modality=dict(sorted(by_modality.items())),
            failed=failed,
            labels=labels,
            declared_ai=declared,
            declared_unlabelled=declared_unlabelled,
            decisions=dict(sorted(decisions.items())),
            flagged=flagged,
            review_queued=review_queued,
            reviewed=confirmed + overturned,
            confirmed=confirmed,
            overturned=overturned,
            review_open=review_open,
            reviewers=reviewers,
            review_latency_p50=percentile(latencies, 50),
            review_latency_p90=percentile(latencies, 90),
            review_latency_p99=percentile(latencies, 99),
            review_latency_hist=hist,
            live_alerts=live_alerts,
            label_writes=label_writes,
            labelled_written=labelled_written,
            watermark_writes=watermark_writes,
            incidents=incidents,
            audit_records=audit_n,
            audit_oldest=_aware(oldest) if oldest is not None else None,
            audit_first_id=int(first_id) if first_id is not None else None,
            audit_field_coverage=coverage,
            audit_chain_ok=chain_ok,
            audit_chain_message=chain_msg,
            audit_head_ok=head_ok,
            audit_head_message=head_msg,
            audit_retention_days=retention,
            purge_runs=purge_runs,
            auditor_keys=auditor_keys,
            daily=daily,
            not_recorded=tuple(not_recorded),
        )


def _head_check(c: sa.Connection) -> tuple[bool | None, str]:
    """Is the oldest audit record the genesis, or the successor of what a recorded purge deleted?"""
    head = c.execute(select(AuditEvent.id, AuditEvent.prev_hash).order_by(AuditEvent.id).limit(1)).first()
    if head is None:
        return None, "the audit log is empty"
    if head.prev_hash == "0" * 64:
        return True, f"complete from its first record (id {head.id})"
    for at, det in c.execute(
        select(AuditEvent.at, AuditEvent.details)
        .where(AuditEvent.action == "retention.purge")
        .order_by(AuditEvent.id.desc())
    ):
        last = det.get("last_deleted_audit") if isinstance(det, dict) else None
        if isinstance(last, dict) and last.get("hash") == head.prev_hash:
            return True, (
                f"starts after the retention purge of {_aware(at).date()} (records up to id {last.get('id')} "
                "deleted by policy)"
            )
    return False, (
        f"the oldest records were removed without a recorded retention purge (first record held: id {head.id})"
    )


def _aware(value: Any) -> datetime:
    """Core (non-ORM) selects bypass the column type on some paths: make every datetime UTC-aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _num(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
