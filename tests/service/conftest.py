"""Fixtures of the service tests: a store on SQLite and (when configured) PostgreSQL, keys, an app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.svc_helpers import reset_postgres
from synthguard.service import ServiceConfig, create_app
from synthguard.store import ROLES, Store, StoreConfig

POSTGRES_URL = os.environ.get("SYNTHGUARD_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    """The same tests on both backends; PostgreSQL only with SYNTHGUARD_TEST_POSTGRES_URL."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set SYNTHGUARD_TEST_POSTGRES_URL to run the PostgreSQL tests")
        reset_postgres(POSTGRES_URL)
        return StoreConfig(data_dir=tmp_path, database_url=POSTGRES_URL, lease_seconds=5)
    return StoreConfig(data_dir=tmp_path, lease_seconds=5)


@pytest.fixture
def config(store_config: StoreConfig) -> ServiceConfig:
    return ServiceConfig(
        store=store_config,
        detectors=("test.*",),
        workers=1,
        rate_limit_per_minute=0,
        max_upload_bytes=1_000_000,
        poll_seconds=0.05,
        allowed_paths=(),
        webhook_secret="whsec-test",
        webhook_backoff_seconds=0.05,
    )


@pytest.fixture
def store(config: ServiceConfig) -> Iterator[Store]:
    s = Store(config.store)
    yield s
    s.close()


@pytest.fixture
def keys(store: Store) -> dict[str, str]:
    """One key per role: role -> secret."""
    return {role: store.create_key(role, name=f"test-{role}")[1] for role in ROLES}


@pytest.fixture
def client(config: ServiceConfig, store: Store) -> Iterator[object]:
    from fastapi.testclient import TestClient

    with TestClient(create_app(config, store=store)) as c:
        yield c
