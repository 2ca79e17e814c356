"""``assume_face`` on POST /v1/scans: a face crop is scored without face detection (issue 4)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.svc_helpers import auth, png
from synthguard.service import ServiceConfig, create_app
from synthguard.store import Store, StoreConfig


def test_assume_face_reaches_the_face_detector(store_config: StoreConfig) -> None:
    config = ServiceConfig(
        store=store_config,
        detectors=("face.manipulation",),
        workers=1,
        rate_limit_per_minute=0,
        poll_seconds=0.05,
    )
    store = Store(config.store)
    try:
        key = store.create_key("uploader", name="crops")[1]
        with TestClient(create_app(config, store=store)) as client:
            notes = {}
            for assume in (False, True):
                r = client.post(
                    "/v1/scans",
                    files={"file": ("crop.png", png((180, 140, 120), size=64), "image/png")},
                    data={"assume_face": str(assume).lower()},
                    headers=auth(key),
                )
                assert r.status_code == 202, r.text
                job = client.get(f"/v1/scans/{r.json()['id']}", params={"wait": 30}, headers=auth(key)).json()
                assert job["status"] == "done", job
                evidence = job["report"]["evidence"][0]
                notes[assume] = (evidence["score"], " ".join(evidence["notes"]))
    finally:
        store.close()
    assert notes[False][0] is None  # a flat patch holds no face to find
    assert notes[True][0] is not None and "assume_face" in notes[True][1]
