"""A client that never reads events: the server drops scores, then closes; memory stays bounded.

Runs a real uvicorn server over a socket whose send buffer is tiny, so the kernel cannot hide the
slow client; the client's receive buffer is tiny too and it never reads.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time

import pytest
from fastapi import FastAPI

from synthguard.live import LiveConfig
from synthguard.live.ws import LiveHub, StreamLimits, create_router

from .conftest import Server, voice

uvicorn = pytest.importorskip("uvicorn")
wsproto = pytest.importorskip("wsproto")
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import AcceptConnection, BytesMessage, Request, TextMessage  # noqa: E402


def test_client_that_never_reads_is_closed_and_memory_stays_bounded(loudness) -> None:
    hub, ended = LiveHub(), []
    app = FastAPI()
    app.include_router(
        create_router(
            authenticate=lambda c: c,
            on_event=lambda r, p, e: ended.append(e) if e.type == "ended" else None,
            detector=loudness,
            hub=hub,
            persist_types=("ended",),
            config=LiveConfig(
                detector="unused", window=0.5, hop=0.05, ring_seconds=7.0, max_timeline_windows=100
            ),
            limits=StreamLimits(outbox=16, send_timeout=0.5),
        )
    )
    frame = (voice(1.0, amp=0.9, rate=8000) * 32767).astype("<i2").tobytes()  # 1 s per frame -> 20 events
    with Server(app) as srv:
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.settimeout(10)
        client.connect(("127.0.0.1", srv.port))
        ws = WSConnection(ConnectionType.CLIENT)
        client.sendall(ws.send(Request(host="127.0.0.1", target="/v1/streams?room=r&participant=p&token=k")))
        ws.receive_data(client.recv(4096))
        assert any(isinstance(e, AcceptConnection) for e in ws.events())
        client.sendall(ws.send(TextMessage(json.dumps({"type": "start", "sample_rate": 8000}))))
        peak_memory, sent = 0, 0
        t0 = time.time()
        with contextlib.suppress(OSError):
            while not ended and time.time() - t0 < 60:
                client.sendall(ws.send(BytesMessage(frame)))  # never reads a single event
                sent += 1
                peak_memory = max(peak_memory, hub.stats()["memory_bytes"])
        client.close()
        deadline = time.time() + 10
        while (not ended or hub.active) and time.time() < deadline:
            time.sleep(0.05)
    assert ended, f"server never gave up on the slow client after {sent} s of audio"
    assert ended[0].reason == "client_too_slow"
    assert ended[0].dropped_events > 0
    assert hub.active == {}
    assert peak_memory <= 7 * 16_000 * 4 + 100 * 80  # ring + capped timeline, whatever the client does
