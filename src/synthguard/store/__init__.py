"""Persistence shared by the service, live rooms, batch and assessment.

SQLAlchemy 2 over SQLite (default, a file under the data folder) or PostgreSQL
(``SYNTHGUARD_DATABASE_URL``), schema managed by the Alembic migrations shipped in
``store/migrations``; media and artifacts in a content-addressed blob store.

Example:
    >>> import tempfile
    >>> from synthguard.store import Store, StoreConfig
    >>> store = Store(StoreConfig(data_dir=tempfile.mkdtemp()))
    >>> job = store.submit(b"\\x89PNG...", name="a.png", media_format="png")
    >>> store.claim("worker-1").id == job.id
    True
"""

from ._store import (
    SYSTEM,
    AuditContext,
    AuditRecord,
    JobInfo,
    KeyInfo,
    NotFound,
    PurgeResult,
    Store,
    StoredArtifact,
    WebhookTask,
    default_store,
)
from .blobs import BlobStore, LocalBlobStore, open_blob_store
from .config import MIN_AUDIT_RETENTION_DAYS, StoreConfig, default_home
from .models import REVIEW_ACTIONS, ROLES

__all__ = [
    "MIN_AUDIT_RETENTION_DAYS",
    "REVIEW_ACTIONS",
    "ROLES",
    "SYSTEM",
    "AuditContext",
    "AuditRecord",
    "BlobStore",
    "JobInfo",
    "KeyInfo",
    "LocalBlobStore",
    "NotFound",
    "PurgeResult",
    "Store",
    "StoreConfig",
    "StoredArtifact",
    "WebhookTask",
    "default_home",
    "default_store",
    "open_blob_store",
]
