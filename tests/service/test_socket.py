"""The service over a real TCP socket (uvicorn on 127.0.0.1, a free port), as a platform calls it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.svc_helpers import REVIEW_COLOR, auth, png
from synthguard.service import ServiceConfig, create_app
from synthguard.store import Store, StoreConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    store = Store(StoreConfig(data_dir=tmp_path))
    config = ServiceConfig(store=store.config, detectors=("test.*",), poll_seconds=0.05)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, store=store), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join(20)
        store.close()


def test_over_a_real_socket(live_server: tuple[str, Store]) -> None:
    url, store = live_server
    uploader = store.create_key("uploader")[1]
    moderator = store.create_key("moderator")[1]
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/v1/health").json()["status"] == "ok"
        r = http.post(
            "/v1/scans",
            files={"file": ("r.png", png(REVIEW_COLOR), "image/png")},
            data={"uploader_ip": "198.51.100.4"},
            headers=auth(uploader),
        )
        assert r.status_code == 202
        job = http.get(f"/v1/scans/{r.json()['id']}", params={"wait": 20}, headers=auth(uploader)).json()
        assert job["status"] == "done" and job["decision"] == "review"
        r = http.post(
            f"/v1/reviews/{job['id']}/decision",
            json={"action": "confirm", "reason": "fake"},
            headers=auth(moderator),
        )
        assert r.status_code == 200
        assert http.get("/ui/").status_code == 200
    audit = store.list_audit(action="review.decision")[0]
    assert audit.source_ip == "127.0.0.1" and isinstance(audit.source_port, int) and audit.source_port > 0
