"""The REST API in-process (TestClient): scans, reviews, auth matrix, limits, webhooks, metrics."""

from __future__ import annotations

import http.server
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from service.svc_helpers import REVIEW_COLOR, auth, png, reset_postgres
from synthguard.service import ServiceConfig, create_app, verify_signature
from synthguard.store import AuditContext, Store, StoreConfig

ROLES = ("uploader", "moderator", "auditor", "admin")
POSTGRES_URL = os.environ.get("SYNTHGUARD_TEST_POSTGRES_URL", "")


def submit(client: TestClient, key: str, data: bytes, **form: str) -> str:
    r = client.post("/v1/scans", files={"file": ("x.png", data, "image/png")}, data=form, headers=auth(key))
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_scan_round_trip(client: TestClient, keys: dict[str, str]) -> None:
    job_id = submit(
        client,
        keys["uploader"],
        png(REVIEW_COLOR),
        declared_ai="false",
        uploader_ip="203.0.113.9",
        uploader_port="40100",
        device='{"model": "Pixel 9"}',
    )
    r = client.get(f"/v1/scans/{job_id}", params={"wait": 10}, headers=auth(keys["uploader"]))
    body = r.json()
    assert r.status_code == 200 and body["status"] == "done", body
    assert body["decision"] == "review" and body["report"]["schema_version"] == "1.0"
    assert body["context"]["device"] == {"model": "Pixel 9"}
    queue = client.get("/v1/reviews", headers=auth(keys["moderator"])).json()["items"]
    assert [item["id"] for item in queue] == [job_id]
    r = client.post(
        f"/v1/reviews/{job_id}/decision",
        json={"action": "overturn", "reason": "a red sofa"},
        headers={**auth(keys["moderator"]), "X-Synthguard-Device": '{"desk": 3}'},
    )
    assert r.status_code == 200 and r.json()["review"]["final_decision"] == "pass"
    audit = client.get("/v1/audit", params={"job_id": job_id}, headers=auth(keys["auditor"])).json()["items"]
    assert [a["action"] for a in audit] == ["review.decision", "scan.decision", "scan.submit"]
    review, _, submitted = audit
    assert review["source_ip"] == "testclient" and review["device"]["client"] == {"desk": 3}
    assert submitted["device"]["uploader"]["uploader_ip"] == "203.0.113.9"
    assert client.get("/v1/audit/verify", headers=auth(keys["auditor"])).json()["ok"]
    assert client.get("/v1/reviews", headers=auth(keys["moderator"])).json()["items"] == []


def test_job_is_persisted_before_the_answer(
    config: ServiceConfig, store: Store, keys: dict[str, str]
) -> None:
    with TestClient(create_app(config, store=store, start_workers=False)) as c:
        job_id = submit(c, keys["uploader"], png())
        again = c.get(f"/v1/scans/{job_id}", params={"wait": 0.2}, headers=auth(keys["uploader"])).json()
    job = store.get_job(job_id)
    assert job.status == "queued" and again["status"] == "queued"
    assert store.media(job_id) == png()


def test_media_error_fails_the_job_with_its_reason(client: TestClient, keys: dict[str, str]) -> None:
    job_id = submit(client, keys["uploader"], b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    body = client.get(f"/v1/scans/{job_id}", params={"wait": 10}, headers=auth(keys["uploader"])).json()
    assert body["status"] == "failed" and "MediaError" in body["error"] and body["attempts"] == 1


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 400, "empty"),
        (b"just some text, not media" * 4, 415, "unrecognised"),
        (b"\xff\xd8\xff" + b"\x00" * 1_000_001, 413, "exceeds"),
    ],
)
def test_upload_checks(
    client: TestClient, keys: dict[str, str], data: bytes, status: int, message: str
) -> None:
    r = client.post(
        "/v1/scans", files={"file": ("a.jpg", data, "image/jpeg")}, headers=auth(keys["uploader"])
    )
    assert r.status_code == status and message in r.text


def test_chunked_upload_over_the_limit_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    def body() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n\x1a\n'
        for _ in range(40):
            yield b"\x00" * 64 * 1024

    headers = {**auth(keys["uploader"]), "Content-Type": "multipart/form-data; boundary=x"}
    r = client.post("/v1/scans", content=body(), headers=headers)
    assert r.status_code == 413


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "allowed"
    root.mkdir()
    (root / "ok.png").write_bytes(png())
    (tmp_path / "secret.png").write_bytes(png())
    os.symlink(tmp_path / "secret.png", root / "link.png")
    return root


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("ok.png", 202),
        ("file://{root}/ok.png", 202),
        ("../secret.png", 403),
        ("link.png", 403),
        ("missing.png", 404),
        ("s3://bucket/x.png", 400),
        ("", 400),
    ],
)
def test_submit_by_path(
    config: ServiceConfig, store: Store, keys: dict[str, str], media_root: Path, path: str, status: int
) -> None:
    cfg = replace(config, allowed_paths=(media_root,))
    value = (
        path.format(root=media_root)
        if "{root}" in path or "://" in path
        else (str(media_root / path) if path else "")
    )
    with TestClient(create_app(cfg, store=store, start_workers=False)) as c:
        r = c.post("/v1/scans", data={"path": value}, headers=auth(keys["uploader"]))
    assert r.status_code == status, r.text


def test_submit_by_path_is_off_by_default(client: TestClient, keys: dict[str, str], media_root: Path) -> None:
    r = client.post("/v1/scans", data={"path": str(media_root / "ok.png")}, headers=auth(keys["uploader"]))
    assert r.status_code == 403 and "disabled" in r.text


# (method, path, roles allowed); {job} and {sha} are filled in.
ENDPOINTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("POST", "/v1/scans", ("uploader", "admin")),
    ("GET", "/v1/scans", ROLES),
    ("GET", "/v1/scans/{job}", ROLES),
    ("GET", "/v1/scans/{job}/media", ("moderator", "auditor", "admin")),
    ("GET", "/v1/scans/{job}/webhooks", ROLES),
    ("GET", "/v1/artifacts/{sha}", ("moderator", "auditor", "admin")),
    ("POST", "/v1/labels", ("uploader", "admin")),
    ("GET", "/v1/reviews", ("moderator", "auditor", "admin")),
    ("POST", "/v1/reviews/{job}/decision", ("moderator", "admin")),
    ("GET", "/v1/audit", ("auditor", "admin")),
    ("GET", "/v1/audit/verify", ("auditor", "admin")),
    ("GET", "/v1/stats", ("moderator", "auditor", "admin")),
    ("GET", "/v1/keys", ("admin",)),
    ("POST", "/v1/keys", ("admin",)),
    ("DELETE", "/v1/keys/nokey", ("admin",)),
    ("POST", "/v1/purge", ("admin",)),
    ("POST", "/v1/assessments", ("auditor", "admin")),
    ("GET", "/v1/detectors", ROLES),
    ("GET", "/v1/me", ROLES),
    ("GET", "/v1/policy", ("moderator", "auditor", "admin")),
    ("GET", "/metrics", ("auditor", "admin")),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, ...]]:
    """One app, store and key set per backend for the whole role matrix (setting up is the slow part)."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set SYNTHGUARD_TEST_POSTGRES_URL to run the PostgreSQL tests")
        reset_postgres(POSTGRES_URL)
    store = Store(
        StoreConfig(
            data_dir=tmp_path_factory.mktemp("matrix"),
            database_url=POSTGRES_URL if request.param == "postgresql" else None,
        )
    )
    keys = {role: store.create_key(role)[1] for role in ROLES}
    config = ServiceConfig(store=store.config, detectors=("test.*",), rate_limit_per_minute=0)
    with TestClient(create_app(config, store=store, start_workers=False)) as client:
        yield client, store, keys
    store.close()


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_every_endpoint_refuses_the_wrong_role(
    matrix: tuple[Any, ...], method: str, path: str, allowed: tuple[str, ...]
) -> None:
    client, store, keys = matrix
    owner = keys["uploader"].split("_")[1]  # the key id: the uploader owns this job
    job = store.submit(
        png(), name="a.png", media_format="png", ctx=AuditContext(actor=owner, role="uploader")
    )
    if path.endswith("/decision"):  # a finished scan, so that the allowed roles get past validation
        while (claimed := store.claim("w")) is not None and claimed.id != job.id:
            pass  # earlier tests' jobs sit in the same queue
        assert store.complete(job.id, "w", {"verdict": {"decision": "review"}})
    url = path.format(job=job.id, sha="0" * 64)
    body: dict[str, Any] = {
        "/v1/keys": {"json": {"role": "uploader"}},
        f"/v1/reviews/{job.id}/decision": {"json": {"action": "escalate", "reason": "r"}},
    }.get(url, {})
    assert client.request(method, url, **body).status_code == 401
    assert client.request(method, url, headers=auth("sg_bad_key"), **body).status_code == 401
    for role in ROLES:
        r = client.request(method, url, headers=auth(keys[role]), **body)
        if role in allowed:
            assert r.status_code not in (401, 403), (role, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code, r.text)


def test_uploaders_see_only_their_own_scans(client: TestClient, store: Store, keys: dict[str, str]) -> None:
    other = store.create_key("uploader", name="other")[1]
    job_id = submit(client, keys["uploader"], png())
    assert client.get(f"/v1/scans/{job_id}", headers=auth(other)).status_code == 404
    assert client.get("/v1/scans", headers=auth(other)).json()["items"] == []
    assert len(client.get("/v1/scans", headers=auth(keys["uploader"])).json()["items"]) == 1


def test_rate_limit(config: ServiceConfig, store: Store, keys: dict[str, str]) -> None:
    with TestClient(
        create_app(replace(config, rate_limit_per_minute=3), store=store, start_workers=False)
    ) as c:
        codes = [c.get("/v1/detectors", headers=auth(keys["auditor"])).status_code for _ in range(4)]
        other = c.get("/v1/detectors", headers=auth(keys["admin"]))
    assert codes == [200, 200, 200, 429] and other.status_code == 200


@pytest.mark.parametrize(
    ("origins", "expected"), [((), None), (("https://mod.example",), "https://mod.example")]
)
def test_cors_is_off_by_default(
    config: ServiceConfig, store: Store, origins: tuple[str, ...], expected: str | None
) -> None:
    with TestClient(create_app(replace(config, cors_origins=origins), store=store, start_workers=False)) as c:
        r = c.options(
            "/v1/scans", headers={"Origin": "https://mod.example", "Access-Control-Request-Method": "POST"}
        )
    assert r.headers.get("access-control-allow-origin") == expected


def test_keys_api_and_revocation(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post("/v1/keys", json={"role": "moderator", "name": "bob"}, headers=auth(keys["admin"]))
    created = r.json()
    assert r.status_code == 201 and created["key"].startswith("sg_")
    assert client.get("/v1/stats", headers=auth(created["key"])).status_code == 200
    listed = client.get("/v1/keys", headers=auth(keys["admin"])).text
    assert created["key"] not in listed and created["id"] in listed
    assert client.delete(f"/v1/keys/{created['id']}", headers=auth(keys["admin"])).status_code == 200
    assert client.get("/v1/stats", headers=auth(created["key"])).status_code == 401


def test_secrets_are_never_logged(
    config: ServiceConfig, store: Store, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(replace(config, webhook_secret="whsec-do-not-log"), store=store)) as c:
        job_id = submit(c, keys["uploader"], png())
        c.get(f"/v1/scans/{job_id}", params={"wait": 5}, headers=auth(keys["uploader"]))
        c.get("/v1/stats", headers=auth("sg_abc_wrongsecret"))
        new = c.post("/v1/keys", json={"role": "auditor"}, headers=auth(keys["admin"])).json()["key"]
    for secret in (*keys.values(), new, "whsec-do-not-log", "wrongsecret"):
        assert secret not in caplog.text
    assert "whsec-do-not-log" not in repr(config) + repr(replace(config, webhook_secret="whsec-do-not-log"))


def test_public_endpoints(client: TestClient, keys: dict[str, str]) -> None:
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["database"] == "ok" and health["workers"] == 1
    spec = client.get("/v1/openapi.json").json()
    assert "/v1/scans" in spec["paths"] and "HTTPBearer" in json.dumps(spec["components"])
    assert client.get("/docs").status_code == 404  # no CDN-backed pages
    names = {
        d["name"]: d["enabled"]
        for d in client.get("/v1/detectors", headers=auth(keys["auditor"])).json()["items"]
    }
    assert names["test.constant"] is True


def test_metrics_text_format(client: TestClient, keys: dict[str, str]) -> None:
    job_id = submit(client, keys["uploader"], png())
    client.get(f"/v1/scans/{job_id}", params={"wait": 10}, headers=auth(keys["uploader"]))
    text = client.get("/metrics", headers=auth(keys["auditor"])).text
    assert "# TYPE synthguard_scans_submitted_total counter" in text
    assert "synthguard_scans_submitted_total 1" in text
    assert 'synthguard_jobs{status="done"} 1' in text
    assert 'synthguard_http_request_seconds_bucket{route="/v1/scans",le="+Inf"}' in text
    assert 'synthguard_scans_completed_total{decision="pass"} 1' in text


class _Receiver(http.server.BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        self.send_response(500 if len(type(self).calls) == 1 else 200)  # first attempt fails: retried
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_signed_webhook_with_retry(client: TestClient, keys: dict[str, str], store: Store) -> None:
    _Receiver.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        job_id = submit(client, keys["uploader"], png(), callback_url=url)
        client.get(f"/v1/scans/{job_id}", params={"wait": 10}, headers=auth(keys["uploader"]))
        for _ in range(100):
            deliveries = client.get(f"/v1/scans/{job_id}/webhooks", headers=auth(keys["uploader"])).json()[
                "items"
            ]
            if deliveries and deliveries[0]["status"] == "delivered":
                break
            threading.Event().wait(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert deliveries[0]["status"] == "delivered" and deliveries[0]["attempts"] == 2
    headers, body = _Receiver.calls[-1]
    assert verify_signature(
        "whsec-test", headers["X-Synthguard-Timestamp"], body, headers["X-Synthguard-Signature"]
    )
    assert not verify_signature(
        "other-secret", headers["X-Synthguard-Timestamp"], body, headers["X-Synthguard-Signature"]
    )
    assert json.loads(body)["job_id"] == job_id and json.loads(body)["decision"] == "pass"


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)"])
def test_callback_url_must_be_http(client: TestClient, keys: dict[str, str], url: str) -> None:
    r = client.post(
        "/v1/scans",
        files={"file": ("x.png", png(), "image/png")},
        data={"callback_url": url},
        headers=auth(keys["uploader"]),
    )
    assert r.status_code == 400


def test_label_write(client: TestClient, keys: dict[str, str]) -> None:
    provenance = pytest.importorskip("synthguard.provenance")
    r = client.post(
        "/v1/labels",
        files={"file": ("x.png", png(), "image/png")},
        data={"label": "3", "propagator": "ExamplePlatform", "propagate_id": "item-42"},
        headers=auth(keys["uploader"]),
    )
    assert r.status_code == 200, r.text
    reading = provenance.read_label(r.content, "x.png")
    assert reading.label is not None and reading.label.label == "3"
    assert reading.label.content_propagator == "ExamplePlatform"
    audit = client.get("/v1/audit", params={"action": "label.write"}, headers=auth(keys["auditor"])).json()
    assert audit["items"][0]["details"]["label"]["Label"] == "3"


def test_purge_endpoint_is_audited(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post("/v1/purge", headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()["media_purged"] == 0
    audit = client.get(
        "/v1/audit", params={"action": "retention.purge"}, headers=auth(keys["auditor"])
    ).json()
    assert len(audit["items"]) == 1 and audit["items"][0]["role"] == "admin"
