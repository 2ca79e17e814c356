"""Where the store keeps its state and how long: data folder, database URL, leases, retention."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

__all__ = ["DEFAULT_HOME", "MIN_AUDIT_RETENTION_DAYS", "StoreConfig", "default_home"]

DEFAULT_HOME = Path("var/synthguard")
# Logs must be kept at least 6 months (Cybersecurity Law; Labeling Measures Art. 9).
MIN_AUDIT_RETENTION_DAYS = 180


def default_home() -> Path:
    """``$SYNTHGUARD_HOME`` or ``./var/synthguard``."""
    return Path(os.environ.get("SYNTHGUARD_HOME") or DEFAULT_HOME)


@dataclass(frozen=True)
class StoreConfig:
    """Settings of one store.

    Attributes:
        data_dir: holds the SQLite database (by default) and the blob folder.
        database_url: SQLAlchemy URL; default ``sqlite:///<data_dir>/synthguard.db``.
            PostgreSQL: ``postgresql+psycopg://user:pass@host/db``.
        blob_dir: content-addressed media and artifacts; default ``<data_dir>/blobs``.
        lease_seconds: a worker must heartbeat within this time or its job is retried.
        max_attempts: claims of one job before it fails for good (worker crashes count).
        media_retention_days: media and artifacts older than this are purged (reports kept).
        audit_retention_days: audit records older than this may be purged; at least 180.
    """

    data_dir: Path = field(default_factory=default_home)
    database_url: str | None = None
    blob_dir: Path | None = None
    lease_seconds: float = 60.0
    max_attempts: int = 3
    media_retention_days: float = 180.0
    audit_retention_days: float = 180.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if self.lease_seconds <= 0:
            raise ConfigError("lease_seconds must be positive")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        if self.media_retention_days <= 0:
            raise ConfigError("media_retention_days must be positive")
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise ConfigError(
                f"audit_retention_days={self.audit_retention_days} is below the legal minimum of "
                f"{MIN_AUDIT_RETENTION_DAYS} days (6 months)"
            )

    @property
    def url(self) -> str:
        """The database URL in use."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'synthguard.db').resolve()}"

    @property
    def blobs(self) -> Path:
        """The blob folder in use."""
        return Path(self.blob_dir) if self.blob_dir else self.data_dir / "blobs"

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike[str] | None = None, **overrides: object) -> StoreConfig:
        """Settings from ``SYNTHGUARD_HOME`` / ``SYNTHGUARD_DATABASE_URL`` / ``SYNTHGUARD_LEASE_SECONDS`` /
        ``SYNTHGUARD_MAX_ATTEMPTS`` / ``SYNTHGUARD_MEDIA_RETENTION_DAYS`` /
        ``SYNTHGUARD_AUDIT_RETENTION_DAYS``; explicit arguments win."""
        env = os.environ
        values: dict[str, object] = {"data_dir": Path(data_dir) if data_dir else default_home()}
        if env.get("SYNTHGUARD_DATABASE_URL"):
            values["database_url"] = env["SYNTHGUARD_DATABASE_URL"]
        for key, conv in (
            ("lease_seconds", float),
            ("max_attempts", int),
            ("media_retention_days", float),
            ("audit_retention_days", float),
        ):
            raw = env.get(f"SYNTHGUARD_{key.upper()}")
            if raw:
                try:
                    values[key] = conv(raw)
                except ValueError as exc:
                    raise ConfigError(f"SYNTHGUARD_{key.upper()}={raw!r} is not a number") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
