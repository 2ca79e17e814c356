"""Helpers shared by the service tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

REVIEW_COLOR = (200, 60, 60)


def reset_postgres(url: str) -> None:
    """Empty the test database (every table, trigger and function of synthguard)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def png(color: tuple[int, int, int] = (128, 128, 128), size: int = 32) -> bytes:
    """A tiny PNG. Grey passes; (200, 60, 60) goes to review; pure red is labelled (test detectors)."""
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "PNG")
    return buf.getvalue()
