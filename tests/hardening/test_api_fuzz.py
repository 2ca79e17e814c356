"""API fuzzing: schemathesis drives every operation of the service's OpenAPI in-process (ASGI).

For each operation it generates requests from the schema (valid ones, and with ``negative`` invalid
ones) and sends them with an admin key, an uploader key and no key. Checked on every answer: no 5xx,
the status code is documented, and the body and headers conform to the documented schema. Plus
hand-made hostile requests: oversized bodies (declared and chunked), huge and deeply nested headers
and JSON. ``SYNTHGUARD_API_FUZZ_EXAMPLES`` raises the examples per operation (default 8, CI-sized).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from PIL import Image  # noqa: E402
from schemathesis import checks  # noqa: E402
from schemathesis.core.failures import Failure, FailureGroup  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from synthguard.service import ServiceConfig, create_app  # noqa: E402
from synthguard.store import Store, StoreConfig  # noqa: E402

EXAMPLES = int(os.environ.get("SYNTHGUARD_API_FUZZ_EXAMPLES", "8"))
LIMIT = 64 * 1024  # max_upload_bytes of the app under test; the body limit is this + 64 KiB
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Not run: positive_data_acceptance (the schema cannot say "file XOR path" or "bytes must be media", so
# schema-valid requests are rightly refused with 400/415) and the stateful/auth-probing checks, which
# the role matrix in tests/service/test_api.py covers.
PUBLIC = {("GET", "/v1/health")}
UPLOADER_ALLOWED = {
    ("POST", "/v1/scans"),
    ("GET", "/v1/scans"),
    ("GET", "/v1/scans/{job_id}"),
    ("GET", "/v1/scans/{job_id}/webhooks"),
    ("POST", "/v1/labels"),
    ("GET", "/v1/me"),
    ("GET", "/v1/detectors"),
}


def _png(size: int = 16) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (40, 90, 140)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Store, dict[str, str]]]:
    store = Store(StoreConfig(data_dir=tmp_path_factory.mktemp("apifuzz")))
    keys = {role: store.create_key(role, name=f"fuzz-{role}")[1] for role in ("admin", "uploader")}
    config = ServiceConfig(
        store=store.config,
        detectors=("test.*",),
        rate_limit_per_minute=0,
        max_upload_bytes=LIMIT,
        max_wait_seconds=0.05,  # ?wait= must not make the fuzzer sleep
        workers=0,
    )
    app = create_app(config, store=store, start_workers=False)
    job = store.submit(_png(), name="seed.png", media_format="png")  # something to list and read
    assert job.id
    yield app, store, keys
    store.close()


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(op: Any, mode: str, headers: dict[str, str]) -> tuple[int, Counter[int], list[str], int]:
    """Run one operation's generated cases: (cases, statuses seen, check failures, cases not sendable)."""
    seen: Counter[int] = Counter()
    failures: list[str] = []
    counts = {"cases": 0, "unsendable": 0}
    label = f"{op.method.upper()} {op.path}"

    @given(case=op.as_strategy(generation_mode=GenerationMode(mode)))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every CI run; raise the examples to explore further
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        counts["cases"] += 1
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        except (Failure, FailureGroup) as exc:  # collect every failed check, report them together
            failures.append(f"{label}: {str(exc).strip()[:400]}")
            return
        except UnicodeEncodeError:  # the client cannot put lone surrogates on the wire: never reaches us
            counts["unsendable"] += 1
            return
        seen[response.status_code] += 1

    with contextlib.suppress(Unsatisfiable):  # negative mode, no parameters: nothing to break
        run()
    return counts["cases"], seen, failures, counts["unsendable"]


@pytest.mark.slow  # ~30 s on an idle 2-core machine for the four variants
@pytest.mark.parametrize(
    ("who", "mode"),
    [("admin", "positive"), ("uploader", "positive"), ("none", "positive"), ("admin", "negative")],
)
def test_schema_driven_requests_get_documented_answers(
    api: tuple[Any, Store, dict[str, str]], who: str, mode: str
) -> None:
    app, _, keys = api
    headers = {"Authorization": f"Bearer {keys[who]}"} if who in keys else {}
    failures: list[str] = []
    statuses: Counter[str] = Counter()
    cases = unsendable = 0
    operations = _operations(app)
    assert len(operations) >= 20, "the OpenAPI document lost operations"
    for op in operations:
        key = (op.method.upper(), op.path)
        n, seen, failed, skipped = _fuzz(op, mode, headers)
        cases, unsendable = cases + n, unsendable + skipped
        failures += failed
        statuses.update({f"{code // 100}xx": k for code, k in seen.items()})
        if who == "none" and key not in PUBLIC:
            assert set(seen) <= {401}, f"{key} answered {dict(seen)} without a key"
        if who == "uploader" and key not in UPLOADER_ALLOWED | PUBLIC:
            assert not any(200 <= s < 300 for s in seen), f"{key} answered {dict(seen)} to an uploader"
    sent = sum(statuses.values())  # cases minus those hypothesis rejected (negative data that was valid)
    print(f"api fuzz {who}/{mode}: {cases} cases generated, {sent} requests answered, {dict(statuses)}")
    assert not failures, "\n".join(failures[:20])
    assert statuses["5xx"] == 0
    if who == "admin" and mode == "positive":
        assert statuses["2xx"] > 0, "nothing got through: the fuzzer is not reaching the handlers"


@pytest.fixture
def client(api: tuple[Any, Store, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(api[0], raise_server_exceptions=False) as c:
        yield c


def _chunks(first: bytes, n: int) -> Iterator[bytes]:
    yield first
    for _ in range(n):
        yield b"\x00" * 16 * 1024


BOUNDARY_HEAD = (
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n\x1a\n'
)


@pytest.mark.parametrize(
    ("name", "method", "path", "kwargs"),
    [
        ("declared-too-large", "POST", "/v1/scans", {"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000)}}),
        ("chunked-too-large", "POST", "/v1/scans", {"content": "CHUNKED", "headers": {"Content-Type": "multipart/form-data; boundary=x"}}),
        ("json-too-large", "POST", "/v1/keys", {"content": b'{"role": "uploader", "name": "' + b"a" * 300_000 + b'"}', "headers": {"Content-Type": "application/json"}}),
        ("label-too-large", "POST", "/v1/labels", {"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100_000)}}),
    ],
)  # fmt: skip
def test_oversized_bodies_are_refused_with_413(
    client: TestClient, api: tuple[Any, Store, dict[str, str]], name: str, method: str, path: str, kwargs: Any
) -> None:
    _, store, keys = api
    before = len(store.list_jobs(limit=500))
    kwargs = dict(kwargs)
    headers = {"Authorization": f"Bearer {keys['admin']}", **kwargs.pop("headers", {})}
    if kwargs.get("content") == "CHUNKED":
        kwargs["content"] = _chunks(BOUNDARY_HEAD, 12)  # ~200 KB, no Content-Length
    r = client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == 413, r.text[:200]
    assert "exceeds" in r.json()["detail"]
    assert len(store.list_jobs(limit=500)) == before  # nothing half-stored


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("name", "request_kwargs", "expect"),
    [
        ("huge-auth-header", {"headers": {"Authorization": "Bearer " + "k" * 200_000}}, {401}),
        ("device-header-deep-brackets", {"headers": {"X-Synthguard-Device": "[" * 5000}}, {202}),
        ("device-header-deep-object", {"headers": {"X-Synthguard-Device": _nested(900)}}, {202}),
        ("device-form-deep-brackets", {"data": {"device": "[" * 5000}}, {400}),
        ("device-form-deep-object", {"data": {"device": _nested(900)}}, {400}),
        ("device-form-not-object", {"data": {"device": "[1, 2]"}}, {400}),
        ("uploader-fields-too-long", {"data": {"uploader_id": "u" * 10_000}}, {422}),
        ("port-out-of-range", {"data": {"uploader_port": "70000"}}, {422}),
        ("nul-in-filename", {"file_name": "a\x00b.png"}, {202}),
        ("callback-javascript", {"data": {"callback_url": "javascript:alert(1)"}}, {400}),
    ],
)
def test_hostile_submissions_are_answered_without_5xx(
    client: TestClient,
    api: tuple[Any, Store, dict[str, str]],
    name: str,
    request_kwargs: Any,
    expect: set[int],
) -> None:
    _, _, keys = api
    kw = dict(request_kwargs)
    headers = {"Authorization": f"Bearer {keys['uploader']}", **kw.pop("headers", {})}
    file_name = kw.pop("file_name", "a.png")
    r = client.post("/v1/scans", files={"file": (file_name, _png(), "image/png")}, headers=headers, **kw)
    assert r.status_code in expect, (r.status_code, r.text[:200])
    # What was stored must stay readable: the audit listing renders every record (recursive encoders).
    audit = client.get("/v1/audit?limit=1000", headers={"Authorization": f"Bearer {keys['admin']}"})
    assert audit.status_code == 200, audit.text[:200]
    assert client.get("/v1/audit/verify", headers={"Authorization": f"Bearer {keys['admin']}"}).json()["ok"]


def test_review_device_json_cannot_poison_the_audit_log(
    client: TestClient, api: tuple[Any, Store, dict[str, str]]
) -> None:
    _, store, keys = api
    job = store.submit(_png(24), name="r.png", media_format="png")
    while (claimed := store.claim("w")) is not None and claimed.id != job.id:
        store.complete(claimed.id, "w", {"verdict": {"decision": "pass"}})
    assert store.complete(job.id, "w", {"verdict": {"decision": "review"}})
    admin = {"Authorization": f"Bearer {keys['admin']}", "Content-Type": "application/json"}
    body = '{"action": "escalate", "reason": "r", "device": ' + _nested(900) + "}"
    r = client.post(f"/v1/reviews/{job.id}/decision", content=body, headers=admin)
    assert r.status_code == 422 and "nested" in r.text, r.text[:200]
    assert client.get("/v1/audit?limit=1000", headers=admin).status_code == 200


def test_openapi_documents_the_error_shape(api: tuple[Any, Store, dict[str, str]]) -> None:
    with TestClient(api[0]) as c:
        spec = c.get("/v1/openapi.json").json()
    scans = spec["paths"]["/v1/scans"]["post"]["responses"]
    assert {"401", "403", "413", "415", "503"} <= set(scans)
    assert "/v1/assessments" in spec["paths"]
