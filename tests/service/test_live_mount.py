"""The service mounts the live audio-room WebSocket and demo page (protocol tests: tests/live)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect


@pytest.fixture
def client_and_keys(client, keys):  # type: ignore[no-untyped-def]
    return client, keys["uploader"], keys["moderator"]


def test_demo_page_served(client_and_keys) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = client_and_keys
    assert client.get("/live/").status_code == 200


def test_uploader_streams_and_gets_ended(client_and_keys) -> None:  # type: ignore[no-untyped-def]
    client, uploader, _ = client_and_keys
    url = "/v1/streams?room=r1&participant=p1"
    with client.websocket_connect(url, headers={"Authorization": f"Bearer {uploader}"}) as ws:
        ws.send_text(json.dumps({"type": "start", "sample_rate": 16000, "format": "s16le", "channels": 1}))
        pcm = (np.sin(np.arange(16000) / 5.0) * 3000).astype("<i2").tobytes()
        ws.send_bytes(pcm)
        ws.send_text(json.dumps({"type": "stop"}))
        types = []
        while True:
            event = json.loads(ws.receive_text())
            types.append(event["type"])
            if event["type"] in ("ended", "error"):
                break
    assert types[-1] == "ended"


def test_moderator_key_cannot_stream(client_and_keys) -> None:  # type: ignore[no-untyped-def]
    client, _, moderator = client_and_keys
    url = "/v1/streams?room=r1&participant=p1"
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(url, headers={"Authorization": f"Bearer {moderator}"}) as ws,
    ):
        ws.send_text(json.dumps({"type": "start", "sample_rate": 16000, "format": "s16le", "channels": 1}))
        for _ in range(5):
            message = json.loads(ws.receive_text())
            if message["type"] == "error":
                raise WebSocketDisconnect(1008)


def test_live_confirm_detector_comes_from_the_service_settings(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from synthguard.service import create_app, load_config
    from synthguard.store import Store

    monkeypatch.setenv("SYNTHGUARD_LIVE_CONFIRM_DETECTOR", "test.constant")
    monkeypatch.delenv("SYNTHGUARD_DATABASE_URL", raising=False)
    cfg = load_config(tmp_path, workers=0)
    assert cfg.live_confirm_detector == "test.constant"
    store = Store(cfg.store)
    key = store.create_key("uploader")[1]
    with TestClient(create_app(cfg, store=store, start_workers=False)) as client:
        url = "/v1/streams?room=r1&participant=p1"
        with client.websocket_connect(url, headers={"Authorization": f"Bearer {key}"}) as ws:
            ws.send_text(
                json.dumps({"type": "start", "sample_rate": 16000, "format": "s16le", "channels": 1})
            )
            started = json.loads(ws.receive_text())
            ws.send_text(json.dumps({"type": "stop"}))
            while json.loads(ws.receive_text())["type"] != "ended":
                pass
    assert started["type"] == "started" and "+ confirm(test.constant >= " in started["rule"]
