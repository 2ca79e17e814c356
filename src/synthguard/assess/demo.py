"""Demo records for the assessment: a store seeded with a month of plausible platform activity.

Used for the sample report in the docs and by the tests, which check every number of the report
against :class:`DemoSummary` (the seeder's own bookkeeping, independent of the SQL in
:mod:`~synthguard.assess.store_facts`).

Why rows are written directly: the store's public API stamps everything "now", but an assessment
covers past days. The seeder writes jobs and reviews with past timestamps and appends audit records
through the store's own hash-chaining append (``Store._append_audit``), so the chain verifies.

Example:
    >>> import tempfile
    >>> from datetime import date
    >>> from synthguard.store import Store, StoreConfig
    >>> s = seed_demo_store(Store(StoreConfig(data_dir=tempfile.mkdtemp())), end=date(2026, 10, 31), days=3)
    >>> s.scanned_total > 0
    True
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from ..store import AuditContext, Store
from ..store.models import Job, Review

__all__ = ["DemoSummary", "seed_demo_store"]

_FORMATS = {"image": ("jpeg", "png", "webp"), "video": ("mp4",), "audio": ("wav", "mp3")}


@dataclass
class DemoSummary:
    """What the seeder wrote, counted as it wrote it (the expected values of the facts)."""

    start: date
    end: date
    scanned_by_modality: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    declared_ai: int = 0
    confirmed: int = 0
    overturned: int = 0
    review_open: int = 0
    reviewers: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    label_writes: int = 0
    failed: int = 0
    daily_total: Counter[date] = field(default_factory=Counter)

    @property
    def scanned_total(self) -> int:
        return sum(self.scanned_by_modality.values())

    @property
    def flagged(self) -> int:
        return sum(n for d, n in self.decisions.items() if d != "pass")


def _ctx(rng: np.random.Generator, actor: str, role: str) -> AuditContext:
    return AuditContext(
        actor=actor,
        role=role,
        source_ip=f"10.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{rng.integers(1, 254)}",
        source_port=int(rng.integers(1024, 65535)),
        device={"user_agent": "LumenShorts/5.2 (Android 15)", "device_id": secrets.token_hex(4)},
    )


def seed_demo_store(
    store: Store, *, end: date, days: int = 30, seed: int = 0, per_day: float = 20.0
) -> DemoSummary:
    """Write ``days`` days of activity ending ``end`` (inclusive) into ``store``.

    Jobs: ~``per_day`` a day, 60% images, 25% video, 15% audio; ~8% declared AI by the uploader;
    Art. 6 labels from implicit labels, declarations and detections; ~7% sent to review, most
    reviewed by one of four moderators within minutes to hours (30% overturned); implicit labels
    written for ~97% of labelled items; a few scans failed. Also one auditor key and one
    retention purge (180 days), so every section of the report has data.
    """
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days - 1)
    out = DemoSummary(start=start, end=end)
    moderators = [f"mod-{i}" for i in range(1, 5)]
    store.create_key("auditor", name="regulator read-only")
    with store._session(write=True) as s:
        # An early record, as a system running for a while would have.
        t_boot = datetime.combine(start - timedelta(days=120), time(8), tzinfo=UTC)
        store._append_audit(
            s,
            AuditContext("admin", "admin", "10.0.0.2", 50022, {"cli": "synthguard"}),
            "system.start",
            details={"note": "demo"},
            at=t_boot,
        )
        for k in range(days):
            day = start + timedelta(days=k)
            for _ in range(int(rng.poisson(per_day))):
                t = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
                    seconds=float(rng.uniform(0, 86000))
                )
                modality = str(rng.choice(["image", "video", "audio"], p=[0.6, 0.25, 0.15]))
                fmt = str(rng.choice(_FORMATS[modality]))
                job_id = secrets.token_hex(16)
                sha = hashlib.sha256(job_id.encode()).hexdigest()
                declared = bool(rng.random() < 0.08)
                uploader = f"user-{rng.integers(1, 400)}"
                ctx = _ctx(rng, uploader, "uploader")
                finished = t + timedelta(seconds=float(rng.uniform(1, 30)))
                failed = bool(rng.random() < 0.01)
                job = Job(
                    id=job_id,
                    status="failed" if failed else "done",
                    created_at=t,
                    updated_at=finished,
                    started_at=t,
                    finished_at=finished,
                    attempts=1,
                    max_attempts=3,
                    media_sha256=sha,
                    media_name=f"upload-{job_id[:6]}.{fmt}",
                    media_format=fmt,
                    media_size=int(rng.integers(10_000, 5_000_000)),
                    declared_ai=declared,
                    submitted_by=uploader,
                    context={},
                    review_status="none",
                )
                store._append_audit(
                    s,
                    ctx,
                    "scan.submit",
                    job_id=job_id,
                    evidence_ids=[f"media:{sha}"],
                    details={"format": fmt, "declared_ai": declared},
                    at=t,
                )
                if failed:
                    job.error = "decode error"
                    s.add(job)
                    s.flush()
                    store._append_audit(
                        s,
                        AuditContext("worker-1", "worker"),
                        "scan.failed",
                        job_id=job_id,
                        details={"error": "decode error"},
                        at=finished,
                    )
                    out.failed += 1
                    continue
                r = rng.random()
                implicit = rng.random() < 0.05
                score = float(rng.beta(1.2, 8))
                if implicit:
                    decision, label = "label", "1"
                elif declared:
                    decision, label = "label", "2"
                elif r < 0.07:
                    decision, label, score = "review", None, float(rng.uniform(0.5, 0.9))
                elif r < 0.13:
                    decision, label, score = "label", "3", float(rng.uniform(0.9, 1.0))
                else:
                    decision, label = "pass", None
                job.decision, job.aigc_label, job.score = decision, label, score
                job.report = {
                    "media": {"kind": modality, "format": fmt},
                    "verdict": {"decision": decision, "aigc_label": label, "score": score},
                }
                job.review_status = "pending" if decision == "review" else "none"
                s.add(job)
                s.flush()
                store._append_audit(
                    s,
                    AuditContext("worker-1", "worker"),
                    "scan.decision",
                    job_id=job_id,
                    details={"decision": decision, "aigc_label": label, "score": score},
                    at=finished,
                )
                out.scanned_by_modality[modality] += 1
                out.decisions[decision] += 1
                out.daily_total[day] += 1
                out.declared_ai += int(declared)
                if label:
                    out.labels[label] += 1
                    if rng.random() < 0.97:
                        store._append_audit(
                            s,
                            ctx,
                            "label.write",
                            job_id=job_id,
                            details={"label": {"Label": label, "ContentPropagator": "LumenShorts"}},
                            at=finished + timedelta(seconds=2),
                        )
                        out.label_writes += 1
                if decision == "review":
                    if rng.random() < 0.9:
                        latency = float(math.exp(rng.normal(math.log(1200), 1.2)))
                        at = finished + timedelta(seconds=latency)
                        at = at.replace(microsecond=at.microsecond // 1000 * 1000)
                        mod = str(rng.choice(moderators))
                        action = "overturn" if rng.random() < 0.3 else "confirm"
                        final = "pass" if action == "overturn" else "label"
                        s.add(
                            Review(
                                job_id=job_id,
                                action=action,
                                reason="demo review",
                                decision=final,
                                reviewer=mod,
                                created_at=at,
                            )
                        )
                        job.review_status = "overturned" if action == "overturn" else "confirmed"
                        job.final_decision, job.reviewed_at = final, at
                        store._append_audit(
                            s,
                            _ctx(rng, mod, "moderator"),
                            "review.decision",
                            job_id=job_id,
                            details={"action": action, "final_decision": final},
                            at=at,
                        )
                        if at < datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC):
                            out.reviewers.add(mod)
                            out.latencies.append((at - finished).total_seconds())
                            out.confirmed += action == "confirm"
                            out.overturned += action == "overturn"
                        else:
                            out.review_open += 1
                    else:
                        out.review_open += 1
    store.purge()
    return out
