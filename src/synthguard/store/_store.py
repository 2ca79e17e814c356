"""The one store API shared by the service, live rooms, batch and assessment."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..errors import ConfigError, SynthguardError
from .blobs import BlobStore, LocalBlobStore
from .config import StoreConfig
from .models import (
    REVIEW_ACTIONS,
    ROLES,
    ApiKey,
    ArtifactRow,
    AuditEvent,
    Job,
    Review,
    WebhookDelivery,
    utcnow,
)

__all__ = [
    "SYSTEM",
    "AuditContext",
    "AuditRecord",
    "JobInfo",
    "KeyInfo",
    "NotFound",
    "PurgeResult",
    "Store",
    "StoredArtifact",
    "WebhookTask",
]

_GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x5359_4E54  # advisory lock id that serialises audit appends on PostgreSQL
_FINAL_DECISIONS = ("pass", "label", "block")


class NotFound(SynthguardError, LookupError):
    """The job, key or review does not exist (or is not visible to the caller)."""


@dataclass(frozen=True)
class AuditContext:
    """Who did something, and from where: recorded with every audit event."""

    actor: str
    role: str
    source_ip: str | None = None
    source_port: int | None = None
    device: dict[str, Any] = field(default_factory=dict)


SYSTEM = AuditContext(actor="system", role="system")


@dataclass(frozen=True)
class StoredArtifact:
    """An artifact a worker stored for a job (bytes in the blob store)."""

    detector: str
    name: str
    kind: str
    media_type: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "name": self.name,
            "kind": self.kind,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size": self.size,
        }


@dataclass(frozen=True)
class JobInfo:
    """A read-only snapshot of one job."""

    id: str
    status: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    max_attempts: int
    media_sha256: str
    media_name: str
    media_format: str
    media_size: int
    media_purged: bool
    declared_ai: bool
    submitted_by: str | None
    context: dict[str, Any]
    callback_url: str | None
    error: str | None
    report: dict[str, Any] | None
    decision: str | None
    aigc_label: str | None
    score: float | None
    review_status: str
    final_decision: str | None
    reviewed_at: datetime | None
    lease_owner: str | None = None
    artifacts: tuple[StoredArtifact, ...] = ()
    reviews: tuple[dict[str, Any], ...] = ()

    @classmethod
    def _from(
        cls, job: Job, artifacts: Sequence[ArtifactRow] = (), reviews: Sequence[Review] = ()
    ) -> JobInfo:
        return cls(
            id=job.id,
            status=job.status,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            media_sha256=job.media_sha256,
            media_name=job.media_name,
            media_format=job.media_format,
            media_size=job.media_size,
            media_purged=job.media_purged_at is not None,
            declared_ai=job.declared_ai,
            submitted_by=job.submitted_by,
            context=dict(job.context or {}),
            callback_url=job.callback_url,
            error=job.error,
            report=job.report,
            decision=job.decision,
            aigc_label=job.aigc_label,
            score=job.score,
            review_status=job.review_status,
            final_decision=job.final_decision,
            reviewed_at=job.reviewed_at,
            lease_owner=job.lease_owner,
            artifacts=tuple(
                StoredArtifact(a.detector, a.name, a.kind, a.media_type, a.sha256, a.size) for a in artifacts
            ),
            reviews=tuple(
                {
                    "id": r.id,
                    "action": r.action,
                    "reason": r.reason,
                    "decision": r.decision,
                    "reviewer": r.reviewer,
                    "created_at": _iso(r.created_at),
                }
                for r in reviews
            ),
        )

    def to_dict(self, *, with_report: bool = True) -> dict[str, Any]:
        """JSON-ready form (what ``GET /v1/scans/{id}`` returns)."""
        d: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "media": {
                "sha256": self.media_sha256,
                "name": self.media_name,
                "format": self.media_format,
                "size": self.media_size,
                "purged": self.media_purged,
            },
            "declared_ai": self.declared_ai,
            "submitted_by": self.submitted_by,
            "context": self.context,
            "error": self.error,
            "decision": self.decision,
            "aigc_label": self.aigc_label,
            "score": self.score,
            "review": {
                "status": self.review_status,
                "final_decision": self.final_decision,
                "reviewed_at": _iso(self.reviewed_at),
                "history": list(self.reviews),
            },
            "artifacts": [a.to_dict() for a in self.artifacts],
        }
        if with_report:
            d["report"] = self.report
        return d


@dataclass(frozen=True)
class KeyInfo:
    """An API key's public part: id, name, role, dates (never the secret)."""

    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "created_at": _iso(self.created_at),
            "revoked_at": _iso(self.revoked_at),
            "last_used_at": _iso(self.last_used_at),
        }


@dataclass(frozen=True)
class AuditRecord:
    """One audit log entry as read back."""

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    job_id: str | None
    evidence_ids: tuple[str, ...]
    source_ip: str | None
    source_port: int | None
    device: dict[str, Any]
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": _iso(self.at),
            "actor": self.actor,
            "role": self.role,
            "action": self.action,
            "job_id": self.job_id,
            "evidence_ids": list(self.evidence_ids),
            "source_ip": self.source_ip,
            "source_port": self.source_port,
            "device": self.device,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class PurgeResult:
    """What one retention purge removed."""

    media_purged: int
    blobs_deleted: int
    audit_deleted: int
    audit_event_id: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "media_purged": self.media_purged,
            "blobs_deleted": self.blobs_deleted,
            "audit_deleted": self.audit_deleted,
            "audit_event_id": self.audit_event_id,
        }


@dataclass(frozen=True)
class WebhookTask:
    """A callback due for delivery."""

    id: int
    job_id: str
    url: str
    attempts: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value is not None else None


def _hash_event(prev: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def _audit_fields(ev: AuditEvent) -> dict[str, Any]:
    return {
        "at": _iso(ev.at),
        "actor": ev.actor,
        "role": ev.role,
        "action": ev.action,
        "job_id": ev.job_id,
        "evidence_ids": list(ev.evidence_ids or []),
        "source_ip": ev.source_ip,
        "source_port": ev.source_port,
        "device": ev.device or {},
        "details": ev.details or {},
    }


def _make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            # Writers take the write lock at BEGIN, so read-then-write (claims, the audit hash
            # chain) cannot interleave between processes.
            conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class Store:
    """Jobs, results, artifacts, reviews, audit log, API keys and retention over one database.

    Args:
        config: where and how long (see :class:`StoreConfig`).
        migrate: bring the schema to the newest migration on open.
        blobs: a blob store to use instead of the local folder.

    Example:
        >>> import tempfile
        >>> store = Store(StoreConfig(data_dir=tempfile.mkdtemp()))
        >>> key, secret = store.create_key("admin", name="first")
        >>> store.authenticate(secret).role
        'admin'
    """

    def __init__(
        self, config: StoreConfig | None = None, *, migrate: bool = True, blobs: BlobStore | None = None
    ) -> None:
        self.config = config or StoreConfig.from_env()
        url = self.config.url
        if url.startswith("sqlite"):
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = _make_engine(url)
        self.dialect = self.engine.dialect.name
        self._writer = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        self.blobs: BlobStore = blobs or LocalBlobStore(self.config.blobs)
        if migrate:
            self.migrate()

    # ------------------------------------------------------------------ plumbing

    def migrate(self, revision: str = "head") -> None:
        """Apply the Alembic migrations shipped in ``synthguard/store/migrations``."""
        from .migrate import upgrade

        upgrade(self.engine, revision)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        with Session(self._writer if write else self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    def _lock_blobs(self, s: Session, shas: Sequence[str]) -> None:
        """Serialise submissions and purges of the same bytes (SQLite's write lock already does)."""
        if self.dialect == "postgresql":
            for sha in shas:
                s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(sha[:15], 16)})

    # ------------------------------------------------------------------ audit

    def _append_audit(
        self,
        s: Session,
        ctx: AuditContext,
        action: str,
        *,
        job_id: str | None = None,
        evidence_ids: Sequence[str] = (),
        details: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEvent:
        if self.dialect == "postgresql":
            s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        prev = s.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
        ev = AuditEvent(
            at=at or utcnow(),
            actor=ctx.actor,
            role=ctx.role,
            action=action,
            job_id=job_id,
            evidence_ids=list(evidence_ids),
            source_ip=ctx.source_ip,
            source_port=ctx.source_port,
            device=dict(ctx.device),
            details=dict(details or {}),
            prev_hash=prev or _GENESIS,
            hash="",
        )
        # Hash what the database will give back (microseconds survive everywhere, tz does not).
        ev.at = ev.at.replace(microsecond=ev.at.microsecond // 1000 * 1000)
        ev.hash = _hash_event(ev.prev_hash, _audit_fields(ev))
        s.add(ev)
        s.flush()
        return ev

    def audit(
        self,
        ctx: AuditContext,
        action: str,
        *,
        job_id: str | None = None,
        evidence_ids: Sequence[str] = (),
        details: dict[str, Any] | None = None,
    ) -> int:
        """Append one audit record (append-only, hash-chained) and return its id."""
        with self._session(write=True) as s:
            return self._append_audit(
                s, ctx, action, job_id=job_id, evidence_ids=evidence_ids, details=details
            ).id

    def list_audit(
        self,
        *,
        job_id: str | None = None,
        action: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditRecord]:
        """Audit records, newest first, filtered."""
        q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000)).offset(offset)
        if job_id:
            q = q.where(AuditEvent.job_id == job_id)
        if action:
            q = q.where(AuditEvent.action == action)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if since:
            q = q.where(AuditEvent.at >= since)
        with self._session() as s:
            return [self._audit_record(e) for e in s.scalars(q)]

    @staticmethod
    def _audit_record(e: AuditEvent) -> AuditRecord:
        return AuditRecord(
            e.id,
            e.at,
            e.actor,
            e.role,
            e.action,
            e.job_id,
            tuple(e.evidence_ids or ()),
            e.source_ip,
            e.source_port,
            dict(e.device or {}),
            dict(e.details or {}),
            e.prev_hash,
            e.hash,
        )

    def verify_audit_chain(self) -> tuple[bool, str]:
        """Recompute the hash chain; returns (ok, message naming the first bad record)."""
        prev: str | None = None
        n = 0
        last_id = 0
        with self._session() as s:
            while True:  # in pages: no server-side cursor left open on an early return
                page = list(
                    s.scalars(
                        select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(1000)
                    )
                )
                if not page:
                    break
                for e in page:
                    if prev is not None and e.prev_hash != prev:
                        return (
                            False,
                            f"audit record {e.id}: prev_hash does not match the record before (gap or edit)",
                        )
                    if _hash_event(e.prev_hash, _audit_fields(e)) != e.hash:
                        return False, f"audit record {e.id}: content does not match its hash (edited)"
                    prev = e.hash
                    n += 1
                last_id = page[-1].id
        return True, f"{n} audit records verified"

    # ------------------------------------------------------------------ API keys

    def create_key(self, role: str, *, name: str = "", ctx: AuditContext = SYSTEM) -> tuple[KeyInfo, str]:
        """Create an API key; returns its info and the secret, which is shown only this once."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        key_id = secrets.token_hex(6)
        secret = f"sg_{key_id}_{secrets.token_urlsafe(32)}"
        now = utcnow()
        with self._session(write=True) as s:
            row = ApiKey(
                id=key_id,
                name=name or role,
                role=role,
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                created_at=now,
                revoked_at=None,
                last_used_at=None,
            )
            s.add(row)
            self._append_audit(
                s, ctx, "key.create", details={"key_id": key_id, "role": role, "name": row.name}
            )
            info = self._key_info(row)
        return info, secret

    @staticmethod
    def _key_info(k: ApiKey) -> KeyInfo:
        return KeyInfo(k.id, k.name, k.role, k.created_at, k.revoked_at, k.last_used_at)

    def list_keys(self) -> list[KeyInfo]:
        """Every key, newest first (revoked ones included)."""
        with self._session() as s:
            return [self._key_info(k) for k in s.scalars(select(ApiKey).order_by(ApiKey.created_at.desc()))]

    def revoke_key(self, key_id: str, *, ctx: AuditContext = SYSTEM) -> bool:
        """Revoke a key; False when no active key has this id."""
        with self._session(write=True) as s:
            n = s.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            if n:
                self._append_audit(s, ctx, "key.revoke", details={"key_id": key_id})
            return bool(n)

    def authenticate(self, secret: str) -> KeyInfo | None:
        """The active key matching ``secret``, or None. Constant-time comparison of the hash."""
        parts = secret.split("_")
        if len(parts) < 3 or parts[0] != "sg":
            return None
        with self._session() as s:
            row = s.get(ApiKey, parts[1])
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_sha256, hashlib.sha256(secret.encode()).hexdigest()):
                return None
            info = self._key_info(row)
        now = utcnow()
        if info.last_used_at is None or now - info.last_used_at > timedelta(minutes=5):  # cheap, coarse
            with self._session(write=True) as s:
                s.execute(update(ApiKey).where(ApiKey.id == info.id).values(last_used_at=now))
        return info

    def has_keys(self) -> bool:
        """True when at least one active key exists."""
        with self._session() as s:
            return (
                s.execute(
                    select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
                ).scalar_one()
                > 0
            )

    # ------------------------------------------------------------------ jobs

    def submit(
        self,
        data: bytes,
        *,
        name: str,
        media_format: str,
        ctx: AuditContext = SYSTEM,
        declared_ai: bool = False,
        context: dict[str, Any] | None = None,
        callback_url: str | None = None,
    ) -> JobInfo:
        """Persist the media and a queued job (durable when this returns), and audit the submission."""
        sha = self.blobs.put(data)
        now = utcnow()
        job = Job(
            id=secrets.token_hex(16),
            status="queued",
            created_at=now,
            updated_at=now,
            attempts=0,
            max_attempts=self.config.max_attempts,
            media_sha256=sha,
            media_name=name[:512],
            media_format=media_format,
            media_size=len(data),
            declared_ai=declared_ai,
            submitted_by=ctx.actor,
            context=dict(context or {}),
            callback_url=callback_url,
            review_status="none",
        )
        with self._session(write=True) as s:
            self._lock_blobs(s, [sha])
            if not self.blobs.exists(sha):  # a purge removed the same bytes since put(): write again
                self.blobs.put(data)
            s.add(job)
            s.flush()
            self._append_audit(
                s,
                ctx,
                "scan.submit",
                job_id=job.id,
                evidence_ids=[f"media:{sha}"],
                details={
                    "name": job.media_name,
                    "format": media_format,
                    "size": len(data),
                    "declared_ai": declared_ai,
                },
            )
        return JobInfo._from(job)

    def record_scan(
        self,
        report: dict[str, Any],
        *,
        name: str,
        data: bytes | None = None,
        ctx: AuditContext = SYSTEM,
        context: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
    ) -> JobInfo | None:
        """Record a scan made elsewhere (a batch run) as a finished job, so it shows in the review
        queue, the statistics and the assessment like any other.

        ``report`` is ``ScanReport.to_dict()``. ``data`` is the media (None: not kept, the job's
        media reads as purged). With ``dedupe_key``, a job already recorded under the same key and
        media is left alone and None is returned (imports are idempotent).
        """
        sha = str(report["sha256"])
        verdict = report.get("verdict") or {}
        decision = verdict.get("decision")
        context = {**(context or {}), **({"batch_key": dedupe_key} if dedupe_key else {})}
        now = utcnow()
        with self._session(write=True) as s:
            if dedupe_key:
                for existing in s.scalars(select(Job).where(Job.media_sha256 == sha)):
                    if (existing.context or {}).get("batch_key") == dedupe_key:
                        return None
            if data is not None:
                if hashlib.sha256(data).hexdigest() != sha:
                    raise ValueError("the media bytes do not match the report's sha256")
                self.blobs.put(data)
            media = report.get("media") or {}
            job = Job(
                id=secrets.token_hex(16),
                status="done",
                created_at=now,
                updated_at=now,
                started_at=now,
                finished_at=now,
                attempts=1,
                max_attempts=self.config.max_attempts,
                media_sha256=sha,
                media_name=name[:512],
                media_format=str(media.get("format", "")),
                media_size=int(media.get("size_bytes") or (len(data) if data is not None else 0)),
                media_purged_at=None if data is not None else now,
                declared_ai=False,
                submitted_by=ctx.actor,
                context=context,
                report=report,
                decision=decision,
                aigc_label=verdict.get("aigc_label"),
                score=verdict.get("score"),
                review_status="pending" if decision == "review" else "none",
            )
            s.add(job)
            s.flush()
            self._append_audit(
                s,
                ctx,
                "scan.recorded",
                job_id=job.id,
                evidence_ids=[f"media:{sha}"]
                + [f"evidence:{job.id}:{e.get('detector')}" for e in report.get("evidence", [])],
                details={
                    "name": job.media_name,
                    "source": context.get("source", "external"),
                    "decision": decision,
                    "aigc_label": verdict.get("aigc_label"),
                    "score": verdict.get("score"),
                    "policy_version": verdict.get("policy_version"),
                },
            )
            return JobInfo._from(job)

    def get_job(self, job_id: str) -> JobInfo:
        """The job with its artifacts and review history; raises :class:`NotFound`."""
        with self._session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise NotFound(f"no job {job_id!r}")
            arts = s.scalars(select(ArtifactRow).where(ArtifactRow.job_id == job_id).order_by(ArtifactRow.id))
            revs = s.scalars(select(Review).where(Review.job_id == job_id).order_by(Review.id))
            return JobInfo._from(job, list(arts), list(revs))

    def media(self, job_id: str) -> bytes:
        """The job's media bytes; :class:`NotFound` when the job is unknown or its media purged."""
        job = self.get_job(job_id)
        if job.media_purged:
            raise NotFound(f"media of job {job_id} was purged by the retention policy")
        try:
            return self.blobs.get(job.media_sha256)
        except KeyError:
            raise NotFound(f"media of job {job_id} is missing from the blob store") from None

    def artifact(self, sha256: str) -> tuple[StoredArtifact, bytes]:
        """An artifact's record and bytes by sha256."""
        with self._session() as s:
            row = s.scalars(select(ArtifactRow).where(ArtifactRow.sha256 == sha256).limit(1)).first()
            if row is None:
                raise NotFound(f"no artifact {sha256}")
            info = StoredArtifact(row.detector, row.name, row.kind, row.media_type, row.sha256, row.size)
        try:
            return info, self.blobs.get(sha256)
        except KeyError:
            raise NotFound(f"artifact {sha256} was purged") from None

    def _reap(self, s: Session, now: datetime) -> None:
        """Requeue jobs whose worker stopped heartbeating; fail them after ``max_attempts``."""
        lost = list(s.scalars(select(Job).where(Job.status == "running", Job.lease_expires_at < now)))
        for job in lost:
            if job.attempts >= job.max_attempts:
                reason = (
                    f"worker lost the job {job.attempts} times (lease expired; last worker "
                    f"{job.lease_owner}); giving up"
                )
                n = s.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.status == "running", Job.lease_expires_at < now)
                    .values(
                        status="failed",
                        error=reason,
                        finished_at=now,
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                    )
                ).rowcount  # type: ignore[attr-defined]
                if n:
                    self._append_audit(s, SYSTEM, "scan.failed", job_id=job.id, details={"error": reason})
                    self._queue_webhook(s, job.id, job.callback_url, now)
            else:
                s.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.status == "running", Job.lease_expires_at < now)
                    .values(
                        status="queued",
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                        error=f"attempt {job.attempts}: worker {job.lease_owner} lost (lease expired)",
                    )
                )

    def claim(self, owner: str, *, now: datetime | None = None) -> JobInfo | None:
        """Atomically take the oldest queued job for ``owner`` (a worker id) with a lease.

        SQLite: the write lock is taken at BEGIN and the UPDATE checks the status again (rowcount).
        PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so workers never wait on each other.
        """
        now = now or utcnow()
        with self._session(write=True) as s:
            self._reap(s, now)
            q = select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(1)
            if self.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            job_id = s.execute(q).scalar()
            if job_id is None:
                return None
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=self.config.lease_seconds),
                    attempts=Job.attempts + 1,
                    started_at=now,
                    updated_at=now,
                )
            ).rowcount  # type: ignore[attr-defined]
            if n != 1:
                return None
            job = s.get(Job, job_id, populate_existing=True)
            assert job is not None
            return JobInfo._from(job)

    def heartbeat(self, job_id: str, owner: str) -> bool:
        """Extend the lease; False when the worker lost the job (it should stop)."""
        now = utcnow()
        with self._session(write=True) as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.lease_owner == owner)
                .values(lease_expires_at=now + timedelta(seconds=self.config.lease_seconds), updated_at=now)
            ).rowcount  # type: ignore[attr-defined]
        return bool(n)

    def complete(
        self, job_id: str, owner: str, report: dict[str, Any], artifacts: Sequence[StoredArtifact] = ()
    ) -> bool:
        """Record a finished scan (the artifacts' bytes must already be in the blob store).

        Returns False, recording nothing, when ``owner`` no longer holds the lease.
        """
        now = utcnow()
        verdict = report.get("verdict") or {}
        decision = verdict.get("decision")
        with self._session(write=True) as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.lease_owner == owner)
                .values(
                    status="done",
                    report=report,
                    decision=decision,
                    aigc_label=verdict.get("aigc_label"),
                    score=verdict.get("score"),
                    review_status="pending" if decision == "review" else "none",
                    finished_at=now,
                    updated_at=now,
                    error=None,
                    lease_owner=None,
                    lease_expires_at=None,
                )
            ).rowcount  # type: ignore[attr-defined]
            if n != 1:
                return False
            for a in artifacts:
                s.add(
                    ArtifactRow(
                        job_id=job_id,
                        detector=a.detector,
                        name=a.name,
                        kind=a.kind,
                        media_type=a.media_type,
                        sha256=a.sha256,
                        size=a.size,
                    )
                )
            job = s.get(Job, job_id)
            assert job is not None
            evidence_ids = [f"evidence:{job_id}:{e.get('detector')}" for e in report.get("evidence", [])]
            evidence_ids += [f"artifact:{a.sha256}" for a in artifacts]
            self._append_audit(
                s,
                AuditContext(actor=owner, role="worker"),
                "scan.decision",
                job_id=job_id,
                evidence_ids=evidence_ids,
                details={
                    "decision": decision,
                    "aigc_label": verdict.get("aigc_label"),
                    "score": verdict.get("score"),
                    "reasons": verdict.get("reasons", []),
                    "policy_version": verdict.get("policy_version"),
                },
            )
            self._queue_webhook(s, job_id, job.callback_url, now)
        return True

    def fail(self, job_id: str, owner: str, reason: str, *, retry: bool = False) -> bool:
        """Record a failed scan. ``retry``: requeue unless the attempts are used up."""
        now = utcnow()
        with self._session(write=True) as s:
            job = s.get(Job, job_id)
            if job is None or job.status != "running" or job.lease_owner != owner:
                return False
            if retry and job.attempts < job.max_attempts:
                job.status, job.error, job.updated_at = "queued", f"attempt {job.attempts}: {reason}", now
                job.lease_owner = job.lease_expires_at = None
                return True
            job.status, job.error, job.finished_at, job.updated_at = "failed", reason, now, now
            job.lease_owner = job.lease_expires_at = None
            self._append_audit(
                s,
                AuditContext(actor=owner, role="worker"),
                "scan.failed",
                job_id=job_id,
                details={"error": reason},
            )
            self._queue_webhook(s, job_id, job.callback_url, now)
        return True

    def list_jobs(
        self,
        *,
        status: str | None = None,
        review_status: Sequence[str] | None = None,
        decision: str | None = None,
        aigc_label: str | None = None,
        submitted_by: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[JobInfo]:
        """Jobs newest first, filtered (``q`` matches id, sha256 or file name prefix)."""
        stmt = select(Job).order_by(Job.created_at.desc(), Job.id).limit(min(limit, 500)).offset(offset)
        if status:
            stmt = stmt.where(Job.status == status)
        if review_status:
            stmt = stmt.where(Job.review_status.in_(list(review_status)))
        if decision:
            stmt = stmt.where(Job.decision == decision)
        if aigc_label:
            stmt = stmt.where(Job.aigc_label == aigc_label)
        if submitted_by:
            stmt = stmt.where(Job.submitted_by == submitted_by)
        if q:
            like = q.replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
            stmt = stmt.where(
                sa.or_(
                    Job.id.like(like, escape="\\"),
                    Job.media_sha256.like(like, escape="\\"),
                    Job.media_name.like("%" + like, escape="\\"),
                )
            )
        with self._session() as s:
            return [JobInfo._from(j) for j in s.scalars(stmt)]

    # ------------------------------------------------------------------ reviews

    def decide(
        self, job_id: str, action: str, reason: str, ctx: AuditContext, *, decision: str | None = None
    ) -> JobInfo:
        """Record a moderator's review decision, update the job and audit it.

        ``confirm``: the machine verdict stands (final decision ``decision`` or, for a ``review``
        verdict, ``label``); ``overturn``: it was wrong (final ``decision`` or ``pass``);
        ``escalate``: keep it open for a senior reviewer.
        """
        if action not in REVIEW_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(REVIEW_ACTIONS)}")
        if not reason.strip():
            raise ValueError("a reason is required")
        if decision is not None and decision not in _FINAL_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(_FINAL_DECISIONS)}")
        now = utcnow()
        with self._session(write=True) as s:
            job = s.get(Job, job_id)
            if job is None:
                raise NotFound(f"no job {job_id!r}")
            if job.status != "done":
                raise ValueError(f"job {job_id} is {job.status}; only finished scans can be reviewed")
            if action == "confirm":
                final = decision or ("label" if job.decision in (None, "review") else job.decision)
            elif action == "overturn":
                final = decision or "pass"
            else:
                final = None
            s.add(
                Review(
                    job_id=job_id,
                    action=action,
                    reason=reason,
                    decision=final,
                    reviewer=ctx.actor,
                    created_at=now,
                )
            )
            job.review_status = {"confirm": "confirmed", "overturn": "overturned", "escalate": "escalated"}[
                action
            ]
            if final is not None:
                job.final_decision = final
                job.reviewed_at = now
                # Art. 6: a confirmed suspicion is labelled "3" (suspected AI-generated); an overturned
                # detector label is withdrawn. Labels read from the file's own metadata ("1") stay.
                if final == "label" and job.aigc_label is None:
                    job.aigc_label = "3"
                elif final == "pass" and job.aigc_label == "3":
                    job.aigc_label = None
            job.updated_at = now
            evidence = [
                f"evidence:{job_id}:{e.get('detector')}" for e in (job.report or {}).get("evidence", [])
            ]
            self._append_audit(
                s,
                ctx,
                "review.decision",
                job_id=job_id,
                evidence_ids=evidence,
                details={
                    "action": action,
                    "reason": reason,
                    "final_decision": final,
                    "machine_decision": job.decision,
                    "aigc_label": job.aigc_label,
                },
            )
        return self.get_job(job_id)

    # ------------------------------------------------------------------ webhooks

    def _queue_webhook(self, s: Session, job_id: str, url: str | None, now: datetime) -> None:
        if url:
            s.add(WebhookDelivery(job_id=job_id, url=url, status="pending", attempts=0, next_attempt_at=now))

    def claim_webhooks(self, *, limit: int = 10, lease_seconds: float = 30.0) -> list[WebhookTask]:
        """Due callbacks, leased to the caller for ``lease_seconds``."""
        now = utcnow()
        out: list[WebhookTask] = []
        with self._session(write=True) as s:
            q = (
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    sa.or_(
                        WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now
                    ),
                )
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(limit)
            )
            if self.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            for d in s.scalars(q):
                d.lease_expires_at = now + timedelta(seconds=lease_seconds)
                out.append(WebhookTask(d.id, d.job_id, d.url, d.attempts))
        return out

    def webhook_result(
        self,
        delivery_id: int,
        ok: bool,
        error: str | None = None,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 2.0,
    ) -> None:
        """Record one delivery attempt; failures are retried with exponential backoff."""
        now = utcnow()
        with self._session(write=True) as s:
            d = s.get(WebhookDelivery, delivery_id)
            if d is None:
                return
            d.attempts += 1
            d.lease_expires_at = None
            if ok:
                d.status, d.delivered_at, d.last_error = "delivered", now, None
            else:
                d.last_error = (error or "")[:2000]
                if d.attempts >= max_attempts:
                    d.status = "failed"
                else:
                    d.next_attempt_at = now + timedelta(
                        seconds=min(backoff_seconds * 2 ** (d.attempts - 1), 3600)
                    )

    def webhook_deliveries(self, job_id: str) -> list[dict[str, Any]]:
        """Delivery state of a job's callbacks."""
        with self._session() as s:
            return [
                {
                    "id": d.id,
                    "url": d.url,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "delivered_at": _iso(d.delivered_at),
                }
                for d in s.scalars(select(WebhookDelivery).where(WebhookDelivery.job_id == job_id))
            ]

    # ------------------------------------------------------------------ overview

    def stats(self) -> dict[str, Any]:
        """Volumes by status / decision / label / review state, flagged rate, review latency."""
        with self._session() as s:

            def counts(col: Any) -> dict[str, int]:
                return {str(k): int(v) for k, v in s.execute(select(col, func.count()).group_by(col))}

            by_status = counts(Job.status)
            by_decision = counts(Job.decision)
            by_label = counts(Job.aigc_label)
            by_review = counts(Job.review_status)
            pairs = s.execute(
                select(Job.finished_at, Job.reviewed_at)
                .where(Job.reviewed_at.is_not(None))
                .order_by(Job.reviewed_at.desc())
                .limit(1000)
            ).all()
            audit_n = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        done = by_status.get("done", 0)
        flagged = sum(v for k, v in by_decision.items() if k not in ("pass", "None"))
        latencies = [(r - f).total_seconds() for f, r in pairs if f is not None and r is not None]
        return {
            "jobs": by_status,
            "total": sum(by_status.values()),
            "decisions": {k: v for k, v in by_decision.items() if k != "None"},
            "labels": {k: by_label.get(k, 0) for k in ("1", "2", "3")},
            "review": by_review,
            "flagged_rate": (flagged / done) if done else None,
            "review_latency_seconds": {
                "median": statistics.median(latencies) if latencies else None,
                "mean": statistics.fmean(latencies) if latencies else None,
                "count": len(latencies),
            },
            "audit_records": int(audit_n),
        }

    # ------------------------------------------------------------------ retention

    def purge(self, ctx: AuditContext = SYSTEM, *, now: datetime | None = None) -> PurgeResult:
        """Apply retention: delete media and artifacts older than ``media_retention_days`` (reports
        and reviews stay), delete audit records older than ``audit_retention_days``; audit the purge.

        The purge record carries the hash of the last deleted audit record, so the chain that
        remains still verifies from that anchor.
        """
        now = now or utcnow()
        media_cut = now - timedelta(days=self.config.media_retention_days)
        audit_cut = now - timedelta(days=self.config.audit_retention_days)
        to_delete: set[str] = set()
        with self._session(write=True) as s:
            expired = list(
                s.scalars(
                    select(Job).where(
                        Job.created_at < media_cut,
                        Job.media_purged_at.is_(None),
                        Job.status.in_(("done", "failed")),
                    )
                )
            )
            ids = [j.id for j in expired]
            for j in expired:
                j.media_purged_at = now
                to_delete.add(j.media_sha256)
            if ids:
                to_delete.update(s.scalars(select(ArtifactRow.sha256).where(ArtifactRow.job_id.in_(ids))))
            # Content-addressed: keep bytes that a job still within retention also uses.
            if to_delete:
                keep = set(
                    s.scalars(
                        select(Job.media_sha256).where(
                            Job.media_sha256.in_(to_delete), Job.media_purged_at.is_(None)
                        )
                    )
                )
                keep |= set(
                    s.scalars(
                        select(ArtifactRow.sha256)
                        .join(Job, Job.id == ArtifactRow.job_id)
                        .where(ArtifactRow.sha256.in_(to_delete), Job.media_purged_at.is_(None))
                    )
                )
                to_delete -= keep
            # Delete bytes under the same lock a submission of those bytes takes (SQLite: the write
            # lock of this transaction; PostgreSQL: advisory locks per sha256), so a concurrent
            # upload of identical content either is seen above or puts the bytes back after.
            self._lock_blobs(s, sorted(to_delete))
            blobs_deleted = sum(1 for sha in sorted(to_delete) if self.blobs.delete(sha))
            last_deleted = s.execute(
                select(AuditEvent.id, AuditEvent.hash)
                .where(AuditEvent.at < audit_cut)
                .order_by(AuditEvent.id.desc())
                .limit(1)
            ).first()
            audit_deleted = 0
            if last_deleted is not None:
                audit_deleted = s.execute(
                    sa.delete(AuditEvent).where(AuditEvent.id <= last_deleted[0])
                ).rowcount  # type: ignore[attr-defined]
            ev = self._append_audit(
                s,
                ctx,
                "retention.purge",
                details={
                    "media_retention_days": self.config.media_retention_days,
                    "audit_retention_days": self.config.audit_retention_days,
                    "media_purged": len(ids),
                    "blobs_deleted": blobs_deleted,
                    "audit_deleted": audit_deleted,
                    "last_deleted_audit": (
                        {"id": last_deleted[0], "hash": last_deleted[1]} if last_deleted else None
                    ),
                    "job_ids": ids[:1000],
                },
            )
        return PurgeResult(len(ids), blobs_deleted, audit_deleted, ev.id)


def default_store(data_dir: str | Path | None = None, **overrides: Any) -> Store:
    """A store from the environment (``SYNTHGUARD_HOME``, ``SYNTHGUARD_DATABASE_URL``...)."""
    return Store(StoreConfig.from_env(data_dir, **overrides))
