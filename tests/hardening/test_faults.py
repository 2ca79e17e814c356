"""Faults: worker processes killed with SIGKILL, the database cut off or restarted, under load.

The long runs are ``python -m synthguard.service.faultbench`` (figures in docs/reliability.md); these are
short versions of the same run with the same checks: every accepted job is done or failed with a
reason, none lost or duplicated, every refusal is a 5xx with a message.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from synthguard.service import ServiceConfig, create_app
from synthguard.service.faultbench import run_faultbench
from synthguard.store import Store, StoreConfig

POSTGRES_URL = os.environ.get("SYNTHGUARD_TEST_POSTGRES_URL", "")


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 9, 9)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def app_parts(tmp_path: Path) -> Iterator[tuple[TestClient, Store, dict[str, str]]]:
    store = Store(StoreConfig(data_dir=tmp_path))
    keys = {role: store.create_key(role)[1] for role in ("uploader", "admin")}
    config = ServiceConfig(store=store.config, detectors=("test.*",), rate_limit_per_minute=0)
    with TestClient(create_app(config, store=store, start_workers=False)) as client:
        yield client, store, keys
    store.close()


def _outage(*_: Any, **__: Any) -> Any:
    raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))


@pytest.mark.parametrize(
    ("method", "path", "broken"),
    [
        ("POST", "/v1/scans", "submit"),  # authenticated, then the write fails
        ("POST", "/v1/scans", "authenticate"),  # the key lookup itself fails
        ("GET", "/v1/scans", "list_jobs"),
        ("GET", "/v1/health", "stats"),
    ],
)
def test_a_database_outage_is_refused_with_a_clear_503(
    app_parts: tuple[TestClient, Store, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    broken: str,
) -> None:
    client, store, keys = app_parts
    monkeypatch.setattr(store, broken, _outage)
    files = {"file": ("a.png", _png(), "image/png")} if method == "POST" else None
    r = client.request(method, path, files=files, headers={"Authorization": f"Bearer {keys['uploader']}"})
    assert r.status_code == 503, r.text
    body = r.json()
    assert body.get("detail") or body.get("database") == "error"
    monkeypatch.undo()
    assert store.list_jobs() == []  # refused, so nothing was half-stored


@pytest.mark.slow
def test_killed_workers_lose_nothing(tmp_path: Path) -> None:
    result = run_faultbench(
        seconds=8, concurrency=2, workers=2, kill_every=2.0, data_dir=tmp_path, drain_timeout=60
    )
    summary = result.to_dict()
    assert result.accepted > 0 and result.worker_kills >= 2, summary
    assert result.lost == 0 and result.duplicated == 0, summary
    assert result.done + result.failed == result.accepted, summary
    assert result.failed_without_reason == 0 and result.refused_unclear == 0, summary
    assert result.api_mismatch == 0 and result.audit_chain_ok, summary


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="set SYNTHGUARD_TEST_POSTGRES_URL to run the PostgreSQL faults")
@pytest.mark.skipif(
    shutil.which("pg_ctlcluster") is None or os.geteuid() != 0,
    reason="restarting the database needs pg_ctlcluster and root",
)
def test_database_restart_under_load_loses_nothing(tmp_path: Path) -> None:
    result = run_faultbench(
        seconds=10,
        concurrency=2,
        workers=2,
        kill_every=3.0,
        db_restart_every=4.0,
        database_url=POSTGRES_URL,
        data_dir=tmp_path,
        drain_timeout=60,
    )
    summary = result.to_dict()
    assert result.db_restarts >= 1, summary
    assert result.accepted > 0 and result.lost == 0 and result.duplicated == 0, summary
    assert all(int(code) >= 500 for code in result.refused), summary  # refused, never acknowledged
    assert result.refused_unclear == 0 and result.no_answer == 0, summary
    assert result.api_mismatch == 0 and result.audit_chain_ok, summary
