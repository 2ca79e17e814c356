"""Store fixtures: each test runs on SQLite and, with SYNTHGUARD_TEST_POSTGRES_URL, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from synthguard.store import Store, StoreConfig

POSTGRES_URL = os.environ.get("SYNTHGUARD_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set SYNTHGUARD_TEST_POSTGRES_URL to run the PostgreSQL tests")
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        return StoreConfig(data_dir=tmp_path, database_url=POSTGRES_URL, lease_seconds=5, max_attempts=2)
    return StoreConfig(data_dir=tmp_path, lease_seconds=5, max_attempts=2)


@pytest.fixture
def store(store_config: StoreConfig) -> Iterator[Store]:
    s = Store(store_config)
    yield s
    s.close()
