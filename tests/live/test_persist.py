"""Alerts become scan jobs and the stream is audited, through the shared store (SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthguard.live import LiveConfig
from synthguard.live.ws import LiveHub, create_router

from .conftest import voice

store_mod = pytest.importorskip("synthguard.store")


def test_store_persister_records_alert_scan_and_audit(tmp_path: Path, loudness) -> None:
    from synthguard.live.persist import StorePersister

    store = store_mod.Store(store_mod.StoreConfig(data_dir=tmp_path))
    secret = store.create_key("uploader", name="live")[1]
    try:
        hub = LiveHub()
        app = FastAPI()
        app.include_router(
            create_router(
                authenticate=lambda cred: store.authenticate(cred) if cred else None,
                on_event=StorePersister(store),
                detector=loudness,
                hub=hub,
                config=LiveConfig(detector="unused"),
            )
        )
        x = np.concatenate([voice(4.0, amp=0.3), voice(4.0, amp=0.9, seed=1)])
        with TestClient(app).websocket_connect(
            "/v1/streams?room=r9&participant=bob", headers={"Authorization": f"Bearer {secret}"}
        ) as ws:
            ws.send_text(json.dumps({"type": "start", "sample_rate": 16_000, "format": "f32le"}))
            ws.send_bytes(x.astype("<f4").tobytes())
            ws.send_text('{"type": "stop"}')
            while ws.receive_json()["type"] != "ended":
                pass
        jobs = store.list_jobs()
        assert len(jobs) == 1
        job = jobs[0]
        assert job.context["source"] == "live" and job.context["room"] == "r9"
        assert job.context["alert"]["state"] == "raised" and job.media_format == "wav"
        assert store.media(job.id)[:4] == b"RIFF"
        actions = [a.action for a in store.list_audit(actor="live:r9/bob")]
        assert {"live.started", "live.alert", "live.ended", "scan.submit"} <= set(actions)
        ended = store.list_audit(action="live.ended")[0]
        sha = ended.evidence_ids[0].split(":", 1)[1]
        timeline = json.loads(store.blobs.get(sha))
        assert timeline["timelines"][0]["windows"] and "windows" not in ended.details["speakers"][0]
        assert store.verify_audit_chain()[0]
    finally:
        store.close()
