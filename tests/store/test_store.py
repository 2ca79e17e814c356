"""The store: migrations, transactional claims, leases and retries, audit chain, keys, retention."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from synthguard.errors import ConfigError
from synthguard.store import (
    SYSTEM,
    AuditContext,
    LocalBlobStore,
    NotFound,
    Store,
    StoreConfig,
    StoredArtifact,
)
from synthguard.store.models import Base, utcnow

MOD = AuditContext(
    actor="mod1", role="moderator", source_ip="10.0.0.7", source_port=51234, device={"user_agent": "pytest"}
)
REPORT = {
    "verdict": {"decision": "review", "score": 0.7, "aigc_label": None, "reasons": ["x"]},
    "evidence": [{"detector": "test.constant"}],
}


def test_migrations_match_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_is_idempotent(store: Store, store_config: StoreConfig) -> None:
    Store(store_config).close()  # a second open re-runs upgrade: a no-op
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"


def test_submit_claim_complete(store: Store) -> None:
    job = store.submit(
        b"data-1",
        name="../../etc/a.png",
        media_format="png",
        declared_ai=True,
        context={"uploader_ip": "1.2.3.4"},
        callback_url="http://127.0.0.1:9/cb",
    )
    assert store.get_job(job.id).status == "queued"
    assert store.media(job.id) == b"data-1"
    claimed = store.claim("w1")
    assert claimed is not None and claimed.id == job.id and claimed.attempts == 1
    assert store.claim("w2") is None
    art = StoredArtifact("test.constant", "heatmap", "heatmap", "image/png", store.blobs.put(b"png"), 3)
    assert not store.complete(job.id, "w2", REPORT)  # not the lease holder
    assert store.complete(job.id, "w1", REPORT, [art])
    done = store.get_job(job.id)
    assert (done.status, done.decision, done.review_status) == ("done", "review", "pending")
    assert done.artifacts == (art,)
    assert store.artifact(art.sha256)[1] == b"png"
    assert [d["status"] for d in store.webhook_deliveries(job.id)] == ["pending"]
    actions = [a.action for a in store.list_audit(job_id=job.id)]
    assert actions == ["scan.decision", "scan.submit"]


def test_concurrent_claims_never_share_a_job(store: Store) -> None:
    ids = {store.submit(f"d{i}".encode(), name=f"{i}.png", media_format="png").id for i in range(24)}
    claimed: list[str] = []
    lock = threading.Lock()

    def work(owner: str) -> None:
        while (job := store.claim(owner)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)


def test_expired_lease_is_retried_then_failed(store: Store) -> None:
    job = store.submit(b"x", name="x.png", media_format="png")
    first = store.claim("dead-worker")
    assert first is not None and first.attempts == 1
    assert store.heartbeat(job.id, "dead-worker")
    later = utcnow() + timedelta(seconds=store.config.lease_seconds + 1)
    second = store.claim("w2", now=later)  # lease expired: requeued and claimed again
    assert second is not None and second.id == job.id and second.attempts == 2
    assert not store.heartbeat(job.id, "dead-worker")  # the old owner lost it
    assert store.claim("w3", now=later + timedelta(seconds=store.config.lease_seconds + 1)) is None
    failed = store.get_job(job.id)
    assert failed.status == "failed" and "lost the job 2 times" in (failed.error or "")


@pytest.mark.parametrize(("retry", "expected"), [(False, "failed"), (True, "queued")])
def test_fail(store: Store, retry: bool, expected: str) -> None:
    job = store.submit(b"y", name="y.png", media_format="png")
    assert store.claim("w") is not None
    assert store.fail(job.id, "w", "CorruptMediaError: truncated", retry=retry)
    got = store.get_job(job.id)
    assert got.status == expected and "truncated" in (got.error or "")


@pytest.mark.parametrize(
    ("action", "decision", "status", "final"),
    [
        ("confirm", None, "confirmed", "label"),
        ("overturn", None, "overturned", "pass"),
        ("overturn", "block", "overturned", "block"),
        ("escalate", None, "escalated", None),
    ],
)
def test_review_decisions(
    store: Store, action: str, decision: str | None, status: str, final: str | None
) -> None:
    job = store.submit(b"z", name="z.png", media_format="png")
    store.claim("w")
    store.complete(job.id, "w", REPORT)
    out = store.decide(job.id, action, "because", MOD, decision=decision)
    assert (out.review_status, out.final_decision) == (status, final)
    rec = store.list_audit(action="review.decision")[0]
    assert (rec.actor, rec.source_ip, rec.source_port, rec.device) == (
        "mod1",
        "10.0.0.7",
        51234,
        {"user_agent": "pytest"},
    )
    assert rec.evidence_ids == (f"evidence:{job.id}:test.constant",)


@pytest.mark.parametrize(
    ("action", "reason", "error"), [("approve", "r", ValueError), ("confirm", " ", ValueError)]
)
def test_review_rejects_bad_input(store: Store, action: str, reason: str, error: type[Exception]) -> None:
    job = store.submit(b"q", name="q.png", media_format="png")
    with pytest.raises(ValueError, match="finished"):
        store.decide(job.id, "confirm", "r", MOD)  # still queued
    with pytest.raises(error):
        store.decide(job.id, action, reason, MOD)
    with pytest.raises(NotFound):
        store.decide("nope", "confirm", "r", MOD)


def test_audit_is_append_only_and_chained(store: Store) -> None:
    for i in range(3):
        store.audit(MOD, "test.event", details={"i": i})
    assert store.verify_audit_chain()[0]
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_events SET actor = 'mallory'")
    with store.engine.begin() as conn:  # deleting a record in the middle breaks the chain
        middle = conn.exec_driver_sql("SELECT id FROM audit_events ORDER BY id").scalars().all()[1]
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = :i"), {"i": middle})
    ok, message = store.verify_audit_chain()
    assert not ok and "gap or edit" in message


def test_keys_are_hashed_and_revocable(store: Store) -> None:
    info, secret = store.create_key("moderator", name="alice")
    assert store.authenticate(secret) is not None
    assert store.authenticate(secret + "x") is None
    assert store.authenticate("garbage") is None
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT secret_sha256 FROM api_keys").scalars().all()
    assert stored == [hashlib.sha256(secret.encode()).hexdigest()]
    assert secret not in repr(store.list_keys())
    assert store.revoke_key(info.id) and not store.revoke_key(info.id)
    assert store.authenticate(secret) is None
    with pytest.raises(ConfigError):
        store.create_key("root")


def test_purge_keeps_reports_and_audits_itself(store: Store) -> None:
    old = store.submit(b"shared", name="a.png", media_format="png")
    store.claim("w")
    art = StoredArtifact("d", "h", "heatmap", "image/png", store.blobs.put(b"heat"), 4)
    store.complete(old.id, "w", REPORT, [art])
    future = utcnow() + timedelta(days=store.config.media_retention_days + 1)
    result = store.purge(SYSTEM, now=future)
    assert result.media_purged == 1 and result.blobs_deleted == 2
    assert result.audit_deleted == 2  # submit and decision: both older than the audit retention
    assert store.get_job(old.id).report == REPORT  # the evidence record stays
    with pytest.raises(NotFound, match="purged"):
        store.media(old.id)
    purge = store.list_audit(action="retention.purge")[0]
    assert purge.details["media_purged"] == 1 and purge.details["last_deleted_audit"] is not None
    assert store.verify_audit_chain()[0]


def test_purge_keeps_blobs_still_in_use(store: Store) -> None:
    old = store.submit(b"same-bytes", name="a.png", media_format="png")
    store.claim("w")
    store.complete(old.id, "w", REPORT)
    result = store.purge(now=utcnow() + timedelta(days=store.config.media_retention_days + 1))
    assert result.media_purged == 1
    # A new upload of the same content after the purge is stored again and readable.
    new = store.submit(b"same-bytes", name="b.png", media_format="png")
    assert store.media(new.id) == b"same-bytes"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"audit_retention_days": 30}, "legal minimum"),
        ({"lease_seconds": 0}, "lease_seconds"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"media_retention_days": 0}, "media_retention_days"),
    ],
)
def test_config_validation(tmp_path: Path, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StoreConfig(data_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "a" * 64, "0" * 63, "../" + "0" * 61])
def test_blob_store_refuses_names_that_are_not_sha256(tmp_path: Path, bad: str) -> None:
    blobs = LocalBlobStore(tmp_path)
    with pytest.raises(KeyError):
        blobs.get(bad)
    assert not blobs.exists(bad) and not blobs.delete(bad)


def test_stats(store: Store) -> None:
    job = store.submit(b"s", name="s.png", media_format="png")
    store.claim("w")
    store.complete(job.id, "w", {"verdict": {"decision": "label", "score": 0.95, "aigc_label": "3"}})
    stats = store.stats()
    assert stats["jobs"] == {"done": 1} and stats["labels"] == {"1": 0, "2": 0, "3": 1}
    assert stats["flagged_rate"] == 1.0
