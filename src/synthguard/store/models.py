"""SQLAlchemy 2 table definitions of the store: jobs, artifacts, reviews, audit log, API keys, webhooks.

The schema is created and changed only by the Alembic migrations in ``store/migrations``; a test
checks that the migrations and these models agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "JOB_STATUSES",
    "REVIEW_ACTIONS",
    "REVIEW_STATUSES",
    "ROLES",
    "ApiKey",
    "ArtifactRow",
    "AuditEvent",
    "Base",
    "Job",
    "Review",
    "UTCDateTime",
    "WebhookDelivery",
]

ROLES = ("uploader", "moderator", "auditor", "admin")
JOB_STATUSES = ("queued", "running", "done", "failed")
REVIEW_STATUSES = ("none", "pending", "escalated", "confirmed", "overturned")
REVIEW_ACTIONS = ("confirm", "overturn", "escalate")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
    }


class Job(Base):
    """One submitted item: its media, its scan state and result, and its review state."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_status_created", "status", "created_at"),
        sa.Index("ix_jobs_review_status", "review_status", "finished_at"),
        sa.Index("ix_jobs_media_sha256", "media_sha256"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(128))
    lease_expires_at: Mapped[datetime | None]
    media_sha256: Mapped[str] = mapped_column(sa.String(64))
    media_name: Mapped[str] = mapped_column(sa.String(512))
    media_format: Mapped[str] = mapped_column(sa.String(32))
    media_size: Mapped[int]
    media_purged_at: Mapped[datetime | None]
    declared_ai: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    callback_url: Mapped[str | None] = mapped_column(sa.String(2048))
    error: Mapped[str | None] = mapped_column(sa.Text)
    report: Mapped[dict[str, Any] | None]
    decision: Mapped[str | None] = mapped_column(sa.String(16))
    aigc_label: Mapped[str | None] = mapped_column(sa.String(4))
    score: Mapped[float | None]
    review_status: Mapped[str] = mapped_column(sa.String(16), default="none")
    final_decision: Mapped[str | None] = mapped_column(sa.String(16))
    reviewed_at: Mapped[datetime | None]


class ArtifactRow(Base):
    """An artifact (heatmap, timeline) of one job; the bytes live in the blob store by sha256."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    detector: Mapped[str] = mapped_column(sa.String(128))
    name: Mapped[str] = mapped_column(sa.String(256))
    kind: Mapped[str] = mapped_column(sa.String(64))
    media_type: Mapped[str] = mapped_column(sa.String(128))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]


class Review(Base):
    """A moderator's decision on a job: confirm, overturn or escalate, with a reason."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    decision: Mapped[str | None] = mapped_column(sa.String(16))
    reviewer: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One append-only audit record. ``hash`` chains each record to the previous one
    (sha256 over ``prev_hash`` and the record), so edits and gaps are detectable; the database
    refuses UPDATE (trigger), and only the retention purge deletes (oldest first)."""

    __tablename__ = "audit_events"
    # ids are never reused (SQLite AUTOINCREMENT): a gap shows a deletion
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    job_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    evidence_ids: Mapped[list[Any]] = mapped_column(default=list)
    source_ip: Mapped[str | None] = mapped_column(sa.String(64))
    source_port: Mapped[int | None]
    device: Mapped[dict[str, Any]] = mapped_column(default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class ApiKey(Base):
    """An API key: the public id and the sha256 of the secret (the secret itself is never stored)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    secret_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """A pending or finished callback for one job, retried with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhooks_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    lease_expires_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
