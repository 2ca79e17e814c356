"""The WebSocket API on a minimal app built from ``create_router``: protocol, errors, auth, cleanup."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from synthguard.live import LiveConfig
from synthguard.live.events import Alert, SegmentScored, StreamError
from synthguard.live.ws import LiveHub, StreamLimits, _Outbox, create_router

from .conftest import voice

KEY = "sg-test-key"
START = {"type": "start", "sample_rate": 16_000, "format": "s16le", "channels": 1}


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, room: str, participant: str, event: Any) -> None:
        self.events.append((room, participant, event.to_dict()))


def make_app(loudness, limits: StreamLimits | None = None, **kw: Any) -> tuple[TestClient, LiveHub, Recorder]:
    hub, rec = LiveHub(), Recorder()
    app = FastAPI()
    app.include_router(
        create_router(
            authenticate=lambda cred: {"key": cred} if cred == KEY else None,
            on_event=rec,
            detector=loudness,
            hub=hub,
            limits=limits,
            config=LiveConfig(detector="unused"),
            **kw,
        )
    )
    return TestClient(app), hub, rec


def s16(x: np.ndarray) -> bytes:
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


def receive_until(ws, kind: str) -> list[dict[str, Any]]:
    out = []
    while True:
        ev = ws.receive_json()
        out.append(ev)
        if ev["type"] == kind:
            return out


def test_stream_start_frames_enroll_stop_ended(loudness) -> None:
    client, hub, rec = make_app(loudness)
    audio = np.concatenate([voice(6.0, amp=0.3), voice(4.0, amp=0.9, seed=1)])
    with client.websocket_connect(
        "/v1/streams?room=r1&participant=alice", headers={"Authorization": f"Bearer {KEY}"}
    ) as ws:
        ws.send_text(json.dumps(START))
        started = ws.receive_json()
        assert started["type"] == "started" and started["sample_rate"] == 16_000
        data = s16(audio)
        for i in range(0, 16_000 * 2 * 6, 3200):  # the first 6 s in 100 ms frames
            ws.send_bytes(data[i : i + 3200])
        ws.send_text(json.dumps({"type": "enroll", "seconds": 5}))
        for i in range(16_000 * 2 * 6, len(data), 3200):
            ws.send_bytes(data[i : i + 3200])
        assert hub.stats()["active_streams"] == 1
        ws.send_text(json.dumps({"type": "stop"}))
        events = receive_until(ws, "ended")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1000
    types = [e["type"] for e in events]
    assert "segment_scored" in types and "enrolled" in types
    alerts = [e for e in events if e["type"] == "alert"]
    assert alerts and alerts[0]["state"] == "raised" and 6.0 <= alerts[0]["at"] <= 8.0
    ended = events[-1]
    assert ended["reason"] == "stop" and ended["alerts"] == 1 and ended["duration"] == pytest.approx(10.0)
    assert hub.active == {}
    persisted = [t for _, _, t in [(r, p, e["type"]) for r, p, e in rec.events]]
    assert persisted[0] == "started" and persisted[-1] == "ended" and "alert" in persisted
    assert "segment_scored" not in persisted
    assert {(r, p) for r, p, _ in rec.events} == {("r1", "alice")}


def test_token_query_parameter_authenticates(loudness) -> None:
    client, hub, _ = make_app(loudness)
    with client.websocket_connect(f"/v1/streams?room=r&participant=p&token={KEY}") as ws:
        ws.send_text(json.dumps({**START, "format": "f32le", "sample_rate": 48_000, "channels": 2}))
        assert ws.receive_json()["format"] == "f32le"
        ws.send_bytes(np.zeros(48_000 * 2, "<f4").tobytes())
        ws.send_text('{"type": "stop"}')
        assert receive_until(ws, "ended")[-1]["duration"] == pytest.approx(1.0)
    assert hub.active == {}


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"headers": {"Authorization": f"Basic {KEY}"}},
        {"query": "&token=nope"},
    ],
)
def test_auth_failure_sends_error_and_closes(loudness, auth) -> None:
    client, hub, rec = make_app(loudness)
    with client.websocket_connect(
        "/v1/streams?room=r&participant=p" + auth.get("query", ""), headers=auth.get("headers", {})
    ) as ws:
        err = ws.receive_json()
        assert err == {"type": "error", "code": "unauthorized", "message": err["message"], "fatal": True}
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    assert hub.active == {} and hub.total == 0 and rec.events == []


@pytest.mark.parametrize(
    ("first", "message"),
    [
        (b"\x00\x01", "JSON text"),
        ("not json", "not valid JSON"),
        ('{"type": "enroll"}', '"type": "start"'),
        ('["start"]', '"type": "start"'),
        ('{"type": "start", "sample_rate": 1000}', "sample_rate"),
        ('{"type": "start", "format": "mp3"}', "format"),
        ('{"type": "start", "channels": 0}', "channels"),
        ('{"type": "start", "codec": "opus"}', "unknown start fields"),
        ('{"type": "start", "diarize": "yes"}', "diarize"),
    ],
)
def test_bad_first_message_gets_error_event_and_close(loudness, first, message) -> None:
    client, hub, _ = make_app(loudness)
    with client.websocket_connect(
        "/v1/streams?room=r&participant=p", headers={"Authorization": f"Bearer {KEY}"}
    ) as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        else:
            ws.send_text(first)
        err = ws.receive_json()
        assert err["type"] == "error" and err["code"] == "bad_start" and err["fatal"]
        assert message in err["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400
    assert hub.active == {}


@pytest.mark.parametrize(
    "query",
    ["", "?room=r", "?participant=p", "?room=a%20b&participant=p", "?room=r&participant=" + "x" * 200],
)
def test_room_and_participant_are_validated(loudness, query) -> None:
    client, _, _ = make_app(loudness)
    with client.websocket_connect("/v1/streams" + query, headers={"Authorization": f"Bearer {KEY}"}) as ws:
        assert ws.receive_json()["code"] == "bad_request"


def test_bad_control_messages_are_reported_and_the_stream_goes_on(loudness) -> None:
    client, hub, _ = make_app(loudness)
    with client.websocket_connect(
        "/v1/streams?room=r&participant=p", headers={"Authorization": f"Bearer {KEY}"}
    ) as ws:
        ws.send_text(json.dumps(START))
        ws.receive_json()
        codes = []
        for msg in [
            "{",
            '{"type": "dance"}',
            '{"type": "start"}',
            '{"type": "enroll", "seconds": "5"}',
            '{"type": "enroll", "embedding": "x"}',
            '{"type": "enroll", "seconds": 4}',
        ]:
            ws.send_text(msg)
            ev = ws.receive_json()
            assert ev["type"] == "error" and not ev["fatal"]
            codes.append(ev["code"])
        assert codes == [
            "bad_message",
            "bad_message",
            "bad_message",
            "bad_enroll",
            "bad_enroll",
            "not_enough_speech",
        ]
        ws.send_bytes(b"\x01")  # half a sample: kept until the next frame
        ws.send_text('{"type": "stop"}')
        ended = receive_until(ws, "ended")[-1]
        assert ended["reason"] == "stop" and "trailing bytes" in " ".join(ended["notes"])
    assert hub.active == {}


def test_abrupt_disconnect_persists_ended_and_leaks_nothing(loudness) -> None:
    client, hub, rec = make_app(loudness)
    with client.websocket_connect(
        "/v1/streams?room=r&participant=p", headers={"Authorization": f"Bearer {KEY}"}
    ) as ws:
        ws.send_text(json.dumps(START))
        ws.receive_json()
        ws.send_bytes(s16(voice(4.0, amp=0.9)))
        ws.receive_json()
        # leave without stop
    for _ in range(100):
        if not hub.active and rec.events and rec.events[-1][2]["type"] == "ended":
            break
        time.sleep(0.02)
    assert hub.active == {}
    assert rec.events[-1][2]["type"] == "ended" and rec.events[-1][2]["reason"] == "disconnect"


def test_frame_too_large_closes_with_error(loudness) -> None:
    client, hub, _ = make_app(loudness, limits=StreamLimits(max_frame_bytes=1000))
    with client.websocket_connect(
        "/v1/streams?room=r&participant=p", headers={"Authorization": f"Bearer {KEY}"}
    ) as ws:
        ws.send_text(json.dumps(START))
        ws.receive_json()
        ws.send_bytes(b"\0" * 1002)
        events = receive_until(ws, "ended")
        assert events[0]["code"] == "frame_too_large" and events[-1]["reason"] == "frame_too_large"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4413
    assert hub.active == {}


def test_start_timeout_and_busy(loudness) -> None:
    client, hub, _ = make_app(loudness, limits=StreamLimits(start_timeout=0.2, max_streams=1))
    auth = {"Authorization": f"Bearer {KEY}"}
    with client.websocket_connect("/v1/streams?room=r&participant=p", headers=auth) as ws:
        assert ws.receive_json()["code"] == "start_timeout"
    with client.websocket_connect("/v1/streams?room=r&participant=a", headers=auth) as first:
        first.send_text(json.dumps(START))
        first.receive_json()
        with client.websocket_connect("/v1/streams?room=r&participant=b", headers=auth) as second:
            assert second.receive_json()["code"] == "busy"
        first.send_text('{"type": "stop"}')
        receive_until(first, "ended")
    assert hub.active == {}


def test_detector_unavailable_is_a_clear_error() -> None:
    app = FastAPI()
    app.include_router(
        create_router(authenticate=lambda c: c, config=LiveConfig(detector="no.such.detector"))
    )
    with TestClient(app).websocket_connect(f"/v1/streams?room=r&participant=p&token={KEY}") as ws:
        ws.send_text(json.dumps(START))
        err = ws.receive_json()
        assert err["code"] == "detector_unavailable" and "no.such.detector" in err["message"]


def test_demo_page_is_served(loudness) -> None:
    client, _, _ = make_app(loudness)
    page = client.get("/live/")
    assert page.status_code == 200 and "live.js" in page.text
    assert client.get("/live/static/live.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/live/static/../ws.py").status_code == 404
    assert client.get("/live/static/secret.txt").status_code == 404


def test_outbox_drops_oldest_scores_first_and_never_grows() -> None:
    box = _Outbox(4)
    alert = Alert("raised", 0.0, 1.0, 0.9, 0.5, 2)
    for i in range(10):
        assert box.put(SegmentScored(i, i + 3, 0.1, 0.5))
        assert len(box) <= 4
    assert box.dropped == 6
    for _ in range(4):
        assert box.put(alert)
    assert len(box) == 4 and box.dropped == 10  # every score gave way to an alert
    assert box.put(SegmentScored(0, 3, 0.1, 0.5)) and box.dropped == 11  # a new score is dropped itself
    assert not box.put(StreamError("x", "y")) and box.overflow  # nothing droppable left: overflow
    assert box.put(None) and len(box) == 5  # the end marker always fits
