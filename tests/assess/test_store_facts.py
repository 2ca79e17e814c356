"""Facts from a real SQLite store: every number checked against the data it came from."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from synthguard.assess import (
    FactsSource,
    Period,
    StoreFacts,
    build_report,
    parse_questionnaire,
    record_report_hashes,
    write_report,
)
from synthguard.assess.demo import DemoSummary, seed_demo_store
from synthguard.store import SYSTEM, AuditContext, Store, StoreConfig

UPLOADER = AuditContext("user-1", "uploader", "203.0.113.5", 40001, {"user_agent": "app/1"})
BARE = AuditContext("user-2", "uploader")  # no IP, port or device: lowers the coverage
MOD = AuditContext("mod-1", "moderator", "10.0.0.7", 51234, {"user_agent": "console"})


def _report(decision: str, label: str | None, kind: str | None) -> dict[str, Any]:
    r: dict[str, Any] = {
        "verdict": {"decision": decision, "aigc_label": label, "score": 0.5},
        "evidence": [{"detector": "test.constant"}],
    }
    if kind:
        r["media"] = {"kind": kind}
    return r


POSTGRES_URL = os.environ.get("SYNTHGUARD_TEST_POSTGRES_URL", "")


_SCHEMA = "synthguard_assess_test"


def _config(backend: str, tmp_path: Path) -> StoreConfig:
    """SQLite in tmp_path, or PostgreSQL in a schema of its own (the store tests reset ``public``)."""
    if backend == "sqlite":
        return StoreConfig(data_dir=tmp_path / "db")
    if not POSTGRES_URL:
        pytest.skip("set SYNTHGUARD_TEST_POSTGRES_URL to run the PostgreSQL tests")
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {_SCHEMA}")
    engine.dispose()
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={_SCHEMA}"})
    return StoreConfig(data_dir=tmp_path / "db", database_url=url.render_as_string(hide_password=False))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = Store(_config(request.param, tmp_path))
    yield s
    s.close()


def _today() -> Period:
    today = datetime.now(UTC).date()
    return Period(today - timedelta(days=1), today + timedelta(days=1))


def test_facts_from_the_public_store_api(store: Store) -> None:
    #        format  ctx       declared decision  label kind (None: modality from the format)
    rows = [
        ("png", UPLOADER, False, "pass", None, "image"),
        ("wav", UPLOADER, False, "label", "3", "audio"),
        ("mp4", UPLOADER, False, "review", None, "video"),
        ("jpeg", BARE, True, "label", "2", None),
    ]
    ids = []
    for fmt, ctx, declared, decision, label, kind in rows:
        job = store.submit(
            fmt.encode() + bytes(8), name=f"a.{fmt}", media_format=fmt, ctx=ctx, declared_ai=declared
        )
        assert store.claim("w1") is not None
        assert store.complete(job.id, "w1", _report(decision, label, kind))
        ids.append(job.id)
    bad = store.submit(b"junk", name="x.png", media_format="png", ctx=UPLOADER)
    store.claim("w1")
    store.fail(bad.id, "w1", "cannot decode")
    reviewed = store.decide(ids[2], "overturn", "not synthetic", MOD)
    store.audit(UPLOADER, "label.write", job_id=ids[1], details={"label": {"Label": "3"}})
    store.create_key("auditor", name="regulator")
    store.purge()

    source: FactsSource = StoreFacts(store)
    f = source.measure(_today())
    assert f.scanned_by_modality == {"audio": 1, "image": 2, "video": 1}
    assert f.scanned_total == 4
    assert f.failed == 1
    assert f.labels == {"1": 0, "2": 1, "3": 1}
    assert (f.declared_ai, f.declared_unlabelled) == (1, 0)
    assert f.decisions == {"label": 2, "pass": 1, "review": 1}
    assert f.flagged == 3 and f.review_queued == 1
    assert (f.reviewed, f.confirmed, f.overturned, f.reviewers, f.review_open) == (1, 0, 1, 1, 0)
    assert f.overturn_rate == 1.0
    assert reviewed.reviewed_at is not None and reviewed.finished_at is not None
    latency = (reviewed.reviewed_at - reviewed.finished_at).total_seconds()
    assert f.review_latency_p50 == pytest.approx(latency, abs=1e-3)
    assert sum(f.review_latency_hist.values()) == 1
    assert (f.label_writes, f.labelled_written) == (1, 1)
    records = store.list_audit(limit=1000)
    assert f.audit_records == len(records)
    assert f.audit_oldest == min(r.at for r in records)
    human = [r for r in records if r.role not in ("system", "worker")]
    assert len(human) == 7  # 5 submits, 1 review, 1 label write
    assert f.audit_field_coverage["source_ip"] == pytest.approx(6 / 7)
    assert f.audit_field_coverage["source_port"] == pytest.approx(6 / 7)
    assert f.audit_field_coverage["device"] == pytest.approx(6 / 7)
    assert f.audit_chain_ok is True
    assert f.audit_head_ok is True and "complete from its first record" in f.audit_head_message
    assert f.audit_retention_days == 180.0 and len(f.purge_runs) == 1
    assert f.auditor_keys == 1
    assert (f.live_alerts, f.watermark_writes, f.incidents) == (None, None, None)
    assert set(f.not_recorded) == {"destination_ip", "live_alerts", "watermark_writes", "incidents"}
    assert sum(d.total for d in f.daily) == 4 and sum(d.flagged for d in f.daily) == 3

    store.audit(SYSTEM, "live.alert", details={"room": "r1"})
    assert StoreFacts(store, verify_chain=False).measure(_today()).live_alerts == 1
    before = Period(_today().start - timedelta(days=30), _today().start - timedelta(days=2))
    assert StoreFacts(store).measure(before).scanned_total == 0


@pytest.fixture
def seeded(store: Store) -> tuple[Store, DemoSummary]:
    summary = seed_demo_store(store, end=datetime(2026, 10, 31, tzinfo=UTC).date(), days=12, seed=3)
    return store, summary


def test_facts_match_the_seeded_records(seeded: tuple[Store, DemoSummary]) -> None:
    store, s = seeded
    f = StoreFacts(store).measure(Period(s.start, s.end))
    assert f.scanned_by_modality == dict(s.scanned_by_modality)
    assert f.labels == {k: s.labels.get(k, 0) for k in ("1", "2", "3")}
    assert f.decisions == dict(s.decisions)
    assert f.flagged == s.flagged
    assert f.declared_ai == s.declared_ai
    assert f.failed == s.failed
    assert (f.confirmed, f.overturned) == (s.confirmed, s.overturned)
    assert f.reviewers == len(s.reviewers)
    assert f.review_open == s.review_open
    assert f.label_writes == s.label_writes
    assert {d.day: d.total for d in f.daily} == dict(s.daily_total)
    for q, got in ((50, f.review_latency_p50), (90, f.review_latency_p90), (99, f.review_latency_p99)):
        assert got == pytest.approx(float(np.percentile(s.latencies, q)), rel=1e-6)
    assert f.audit_chain_ok is True


def test_report_from_seeded_store(
    seeded: tuple[Store, DemoSummary], answers: dict[str, Any], tmp_path: Path
) -> None:
    store, s = seeded
    period = Period(s.start, s.end)
    a = build_report(parse_questionnaire(answers), StoreFacts(store), period, bench_dir=[])
    ev = {e.label: e.value for e in a.item("harmful_content").evidence}
    assert ev["Scanned: total"] == str(s.scanned_total)
    assert ev["Scanned: image"] == str(s.scanned_by_modality["image"])
    assert ev["Flagged (decision not pass)"] == str(s.flagged)
    assert (
        ev["Review decisions (confirmed / overturned)"]
        == f"{s.confirmed + s.overturned} ({s.confirmed} / {s.overturned})"
    )
    ev = {e.label: e.value for e in a.item("art6").evidence}
    total = s.scanned_total
    assert (
        ev['Label "3": suspected AI-generated (detected)']
        == f"{s.labels['3']} ({100 * s.labels['3'] / total:.1f}%)"
    )
    assert a.item("logs").status == "green"

    # A purge that applied a 90-day audit retention is an unmet retention period.
    store.audit(
        SYSTEM,
        "retention.purge",
        details={
            "audit_retention_days": 90,
            "media_retention_days": 30,
            "audit_deleted": 12,
            "media_purged": 0,
        },
    )
    a = build_report(parse_questionnaire(answers), StoreFacts(store), period, bench_dir=[])
    logs = a.item("logs")
    assert logs.status == "red"
    assert any("ran with audit retention 90 days" in r for r in logs.reasons)
    assert "3. Logs" in a.conclusion.not_met[0]

    paths = write_report(a, tmp_path / "out", pdf=False)
    rid = record_report_hashes(store, a, paths)
    rec = store.list_audit(action="assessment.report")[0]
    assert rec.id == rid
    assert rec.details["files"]["json"]["sha256"] == hashlib.sha256(paths["json"].read_bytes()).hexdigest()
    assert f"report:{rec.details['files']['html']['sha256']}" in rec.evidence_ids
    assert store.verify_audit_chain()[0]


def test_removing_the_oldest_audit_records_is_detected(
    seeded: tuple[Store, DemoSummary], answers: dict[str, Any]
) -> None:
    """The hash chain cannot see its head cut off; the purge anchor can."""
    store, s = seeded
    period = Period(s.start, s.end)
    later = datetime.combine(s.end + timedelta(days=200), datetime.min.time(), tzinfo=UTC)
    assert store.purge(now=later).audit_deleted > 0  # policy deletion: anchored, fine
    f = StoreFacts(store).measure(period)
    assert f.audit_head_ok is True and "starts after the retention purge" in f.audit_head_message
    with store.engine.begin() as c:  # a silent deletion of the oldest records left
        first = c.execute(sa.text("SELECT min(id) FROM audit_events")).scalar()
        c.execute(sa.text("DELETE FROM audit_events WHERE id = :i"), {"i": first})
    f = StoreFacts(store).measure(period)
    assert f.audit_chain_ok is True  # the chain of what remains still verifies...
    assert f.audit_head_ok is False  # ...but the head is no longer anchored
    a = build_report(parse_questionnaire(answers), f, period, bench_dir=[])
    assert a.item("logs").status == "red"
    assert any("removed without a recorded retention purge" in r for r in a.item("logs").reasons)
