"""Alembic environment: always run with a connection handed in by synthguard.store.migrate."""

from __future__ import annotations

from alembic import context

from synthguard.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only programmatic use is supported
    raise RuntimeError("run migrations through synthguard.store.migrate.upgrade(engine)")

context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():
    context.run_migrations()
