"""The dashboard's files: served locally with a strict CSP, and nothing loaded from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthguard.service import ServiceConfig, create_app
from synthguard.store import StoreConfig
from synthguard.web import STATIC_DIR


def test_static_files_reference_nothing_remote() -> None:
    files = sorted(STATIC_DIR.rglob("*"))
    assert {f.name for f in files} >= {"index.html", "app.js", "app.css"}
    for f in files:
        text = f.read_text("utf-8")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.I)
        assert [u for u in urls if u != "http://www.w3.org"] == [], f.name  # the SVG namespace name only
        assert "innerHTML" not in text, f"{f.name}: server data must be inserted as text"


@pytest.mark.parametrize(
    ("path", "media_type"), [("/ui/", "text/html"), ("/ui/app.js", "javascript"), ("/ui/app.css", "text/css")]
)
def test_dashboard_is_served_with_csp(tmp_path: Path, path: str, media_type: str) -> None:
    config = ServiceConfig(store=StoreConfig(data_dir=tmp_path), detectors=("test.*",), workers=0)
    with TestClient(create_app(config)) as client:
        r = client.get(path)
        assert r.status_code == 200 and media_type in r.headers["content-type"]
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
