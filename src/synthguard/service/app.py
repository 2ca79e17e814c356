"""The FastAPI application: REST API under ``/v1``, ``/metrics`` and the review dashboard at ``/ui``.

Example:
    >>> from synthguard.service import create_app, load_config
    >>> app = create_app(load_config("var/synthguard"))  # doctest: +SKIP
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import exc as sa_exc
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from ..detectors import detector_card, list_detectors
from ..errors import ConfigError, ProvenanceError
from ..media import ACCEPTED, sniff
from ..pipeline import Scanner, resolve_detectors
from ..store import NotFound, Store
from ..web import STATIC_DIR
from .auth import MAX_JSON_DEPTH, Principal, RateLimiter, json_object, require, within_depth
from .config import ServiceConfig
from .metrics import Metrics
from .worker import Worker

__all__ = ["create_app"]

log = logging.getLogger("synthguard.service")

READERS = ("moderator", "auditor", "admin")
_MEDIA_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "heif": "image/heif",
    "avif": "image/avif",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "ogg": "audio/ogg",
    "mpeg": "video/mpeg",
}
_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


# Who may call what (the auth tests walk this matrix).
Uploader = Annotated[Principal, Depends(require("uploader", "admin"))]
AnyRole = Annotated[Principal, Depends(require("uploader", "moderator", "auditor", "admin"))]
Reader = Annotated[Principal, Depends(require(*READERS))]
Moderator = Annotated[Principal, Depends(require("moderator", "admin"))]
Auditor = Annotated[Principal, Depends(require("auditor", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]


class DecisionIn(BaseModel):
    """A moderator's decision on a queued item."""

    action: Literal["confirm", "overturn", "escalate"]
    reason: str = Field(min_length=1, max_length=4000)
    decision: Literal["pass", "label", "block"] | None = Field(
        None,
        description="final decision (default: confirm -> the verdict, or 'label' for a review "
        "verdict; overturn -> 'pass')",
    )
    device: dict[str, Any] | None = Field(None, description="reviewer device info supplied by the platform")

    @field_validator("device")
    @classmethod
    def _not_too_deep(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not within_depth(value):
            raise ValueError(f"device must be nested at most {MAX_JSON_DEPTH} levels")
        return value


class ErrorOut(BaseModel):
    """Every refusal: ``detail`` says what was wrong (a text, or a structure such as questionnaire problems)."""

    detail: str | dict[str, Any] | list[Any]


# Documented on every operation so that clients (and the API fuzz tests) can rely on the error shape.
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        400: "invalid request",
        401: "no or invalid API key",
        403: "the key's role may not do this",
        404: "not found (or not visible to this key)",
        409: "conflicts with the item's state",
        413: "request body too large",
        415: "unrecognised media content",
        429: "rate limit exceeded (see Retry-After)",
        501: "not available on this server",
        503: "the database is unavailable; the request was not completed (see Retry-After)",
    }.items()
}


class KeyIn(BaseModel):
    role: Literal["uploader", "moderator", "auditor", "admin"]
    name: str = Field("", max_length=128)


class _BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``limit`` with 413, even when chunked."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"detail": f"request body exceeds {self.limit} bytes"}, 413)(
                scope, receive, send
            )
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await JSONResponse({"detail": f"request body exceeds {self.limit} bytes"}, 413)(
                    scope, receive, send
                )


class _TooLarge(HTTPException):
    """Raised from the body stream; an HTTPException so FastAPI's body parsing passes it through as 413."""

    def __init__(self, limit: int = 0) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


class _Observe:
    """ASGI middleware: request metrics and security headers (pure ASGI: no task group around receive)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500
        ui = scope["path"].startswith("/ui")

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if ui:
                    headers["Content-Security-Policy"] = _CSP
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", None) or ("/ui" if ui else "unmatched")
            self.metrics.inc(
                "synthguard_http_requests_total",
                "HTTP requests by route and status.",
                {"method": scope["method"], "route": route, "status": str(status)},
            )
            self.metrics.observe(
                "synthguard_http_request_seconds",
                "HTTP request latency.",
                time.perf_counter() - t0,
                {"route": route},
            )


_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox"
_QUESTIONNAIRE_MAX_BYTES = 1024**2
_render_lock = threading.Lock()  # matplotlib's pyplot (the report charts) is not thread-safe

_UNTRUSTED = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=300",
}


def _error(status: int, detail: str) -> HTTPException:
    return HTTPException(status, detail)


def create_app(
    config: ServiceConfig,
    *,
    store: Store | None = None,
    start_workers: bool = True,
    scanner_factory: Callable[[], Scanner] | None = None,
    live: bool = True,
) -> FastAPI:
    """Build the service.

    Args:
        config: settings (see :func:`synthguard.service.load_config`).
        store: an open store (default: opened from ``config.store``, migrations applied).
        start_workers: start ``config.workers`` scan threads with the app (tests may run them apart).
        scanner_factory: builds each worker's scanner (default ``Scanner(config.detectors)``).
        live: mount the live audio-room WebSocket ``/v1/streams`` and its demo page ``/live/``
            (docs/live.md); keys with the uploader or admin role may stream.
    """
    store = store or Store(config.store)
    metrics = Metrics()
    wake = threading.Event()  # submissions wake idle in-process workers
    make_scanner = scanner_factory or config.scanner
    policy = config.policy()  # fail at start-up, not in the workers, when the file is bad
    enabled = set(resolve_detectors(config.detectors))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads = []
        if start_workers:
            for i in range(config.workers):
                worker = Worker(store, config, scanner=make_scanner(), metrics=metrics)
                t = threading.Thread(
                    target=worker.run,
                    args=(stop,),
                    kwargs={"wake": wake},
                    daemon=True,
                    name=f"synthguard-worker-{i}",
                )
                t.start()
                threads.append(t)
        app.state.worker_threads = threads
        try:
            yield
        finally:
            stop.set()
            wake.set()
            for t in threads:
                t.join(timeout=30)

    app = FastAPI(
        title="synthguard",
        version=__version__,
        description="Deepfake detection, AI-content labelling (GB 45438 / C2PA) and review for content "
        "platforms. Authenticate with `Authorization: Bearer <key>`.",
        openapi_url="/v1/openapi.json",
        docs_url=None,  # Swagger/ReDoc pages load from a CDN; the service serves only local files
        redoc_url=None,
        lifespan=lifespan,
        responses=_ERROR_RESPONSES,
    )
    app.state.store = store
    app.state.config = config
    app.state.metrics = metrics
    app.state.rate_limiter = RateLimiter(config.rate_limit_per_minute)

    def queue_gauges() -> Any:
        for status, n in store.stats()["jobs"].items():
            yield "synthguard_jobs", "Jobs by status.", (("status", status),), n

    metrics.add_gauges(queue_gauges)

    # ------------------------------------------------------------------ middleware

    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(_BodyLimit, limit=config.max_upload_bytes + 64 * 1024)
    app.add_middleware(_Observe, metrics=metrics)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 404)

    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # A database outage (restart, failover, SQLite lock timeout) refuses the request with a clear,
        # retryable answer instead of a bare 500. Nothing was acknowledged; a commit cut off mid-way may
        # still have stored the job (the client retries; it is then scanned twice, never lost).
        log.warning("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return JSONResponse(
            {"detail": "the database is unavailable; the request was not completed, retry later"},
            503,
            headers={"Retry-After": "1"},
        )

    for db_error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        app.add_exception_handler(db_error, database_unavailable)

    # ------------------------------------------------------------------ scans

    def read_allowed_path(raw: str) -> tuple[bytes, str]:
        if not config.allowed_paths:
            raise _error(403, "submitting by path is disabled (no allowed_paths configured)")
        if raw.startswith("file://"):
            raw = raw[len("file://") :]
        if "://" in raw:
            raise _error(400, "only local paths (or file:// URLs) under an allowed folder are accepted")
        if "\x00" in raw:
            raise _error(400, "invalid path")
        try:
            path = Path(raw).resolve(strict=True)  # resolves symlinks and '..' before the check
        except (OSError, RuntimeError):
            raise _error(404, "no such file under the allowed folders") from None
        if not any(path.is_relative_to(root) for root in config.allowed_paths):
            raise _error(403, "the path is outside the allowed folders")
        if not path.is_file():
            raise _error(400, "not a regular file")
        if path.stat().st_size > config.max_upload_bytes:
            raise _error(413, f"file exceeds {config.max_upload_bytes} bytes")
        return path.read_bytes(), path.name

    @app.post("/v1/scans", status_code=202, tags=["scans"], summary="Submit media for scanning")
    async def submit_scan(
        request: Request,
        principal: Uploader,
        file: Annotated[UploadFile | None, File(description="the media file")] = None,
        path: Annotated[
            str | None, Form(description="instead of a file: a path under an allowed folder")
        ] = None,
        declared_ai: Annotated[
            bool, Form(description="the uploader declared the content AI-generated")
        ] = False,
        callback_url: Annotated[
            str | None, Form(description="POSTed (signed) when the scan finishes")
        ] = None,
        uploader_id: Annotated[str | None, Form(max_length=256)] = None,
        uploader_ip: Annotated[str | None, Form(max_length=64)] = None,
        uploader_port: Annotated[int | None, Form(ge=0, le=65535)] = None,
        device: Annotated[str | None, Form(description="JSON object: the uploader's device info")] = None,
        assume_face: Annotated[
            bool, Form(description="the media is already a face crop: face detectors skip face finding")
        ] = False,
    ) -> dict[str, Any]:
        """Persist the media and a queued job, then answer 202 with the job id (durable before the answer)."""
        if (file is None) == (path is None):
            raise _error(400, "send exactly one of 'file' (multipart upload) or 'path'")
        if file is not None:
            data = await file.read(config.max_upload_bytes + 1)
            if len(data) > config.max_upload_bytes:
                raise _error(413, f"file exceeds {config.max_upload_bytes} bytes")
            name = Path(file.filename or "upload").name[:200] or "upload"
        else:
            assert path is not None
            data, name = await run_in_threadpool(read_allowed_path, path)
        if not data:
            raise _error(400, "the file is empty")
        sniffed = sniff(data[:64])
        if sniffed.family == "unknown":
            raise _error(
                415, f"unrecognised content (the type is sniffed from the bytes); accepted: {ACCEPTED}"
            )
        if callback_url is not None:
            if not callback_url.startswith(("http://", "https://")):
                raise _error(400, "callback_url must be an http(s) URL")
            if config.webhook_allowed_prefixes and not callback_url.startswith(
                config.webhook_allowed_prefixes
            ):
                raise _error(400, "callback_url is not in the allowed webhook prefixes")
        device_info: dict[str, Any] = {}
        if device:
            parsed = json_object(device)
            if parsed is None:
                raise _error(400, f"device must be a JSON object nested at most {MAX_JSON_DEPTH} levels")
            device_info = parsed
        context = {
            "uploader_id": uploader_id,
            "uploader_ip": uploader_ip,
            "uploader_port": uploader_port,
            "device": device_info,
        }
        if assume_face:
            context["assume_face"] = True
        ctx = principal.audit({"uploader": context})
        job = await run_in_threadpool(
            lambda: store.submit(
                data,
                name=name,
                media_format=sniffed.format,
                ctx=ctx,
                declared_ai=declared_ai,
                context=context,
                callback_url=callback_url,
            )
        )
        wake.set()
        metrics.inc("synthguard_scans_submitted_total", "Scans accepted.")
        return {
            "id": job.id,
            "status": job.status,
            "media_sha256": job.media_sha256,
            "links": {"self": f"/v1/scans/{job.id}"},
        }

    def visible_job(principal: Principal, job_id: str) -> Any:
        job = store.get_job(job_id)
        if principal.role == "uploader" and job.submitted_by != principal.key.id:
            raise NotFound(f"no job {job_id!r}")  # never confirm that another tenant's job exists
        return job

    @app.get("/v1/scans/{job_id}", tags=["scans"], summary="Job status and ScanReport")
    async def get_scan(
        job_id: str,
        principal: AnyRole,
        wait: Annotated[float, Query(ge=0, description="seconds to wait for the result")] = 0,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + min(wait, config.max_wait_seconds)
        delay = 0.02
        while True:
            job = await run_in_threadpool(visible_job, principal, job_id)
            if job.status in ("done", "failed") or time.monotonic() >= deadline:
                return dict(job.to_dict())
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.25)

    async def _job_page(limit: int, offset: int, **filters: Any) -> dict[str, Any]:
        """One page of jobs (without their reports) for the list endpoints."""
        jobs = await run_in_threadpool(lambda: store.list_jobs(limit=limit, offset=offset, **filters))
        return {"items": [j.to_dict(with_report=False) for j in jobs], "limit": limit, "offset": offset}

    @app.get("/v1/scans", tags=["scans"], summary="List scans (uploaders see their own)")
    async def list_scans(
        principal: AnyRole,
        status: str | None = None,
        decision: str | None = None,
        aigc_label: str | None = None,
        q: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        mine = principal.key.id if principal.role == "uploader" else None
        return await _job_page(
            limit, offset, status=status, decision=decision, aigc_label=aigc_label, submitted_by=mine, q=q
        )

    @app.get("/v1/scans/{job_id}/media", tags=["scans"], summary="The submitted media (reviewers)")
    async def get_media(job_id: str, principal: Reader) -> Response:
        job = await run_in_threadpool(store.get_job, job_id)
        data = await run_in_threadpool(store.media, job_id)
        return Response(
            data,
            media_type=_MEDIA_TYPES.get(job.media_format, "application/octet-stream"),
            headers={"Content-Disposition": "inline", **_UNTRUSTED},
        )

    @app.get("/v1/scans/{job_id}/webhooks", tags=["scans"], summary="Callback delivery state")
    async def get_webhooks(job_id: str, principal: AnyRole) -> dict[str, Any]:
        await run_in_threadpool(visible_job, principal, job_id)
        return {"items": await run_in_threadpool(store.webhook_deliveries, job_id)}

    @app.get("/v1/artifacts/{sha256}", tags=["scans"], summary="An artifact (heatmap PNG, timeline JSON)")
    async def get_artifact(sha256: str, principal: Reader) -> Response:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise _error(404, "no such artifact")
        info, data = await run_in_threadpool(store.artifact, sha256)
        media_type = (
            info.media_type
            if info.media_type in ("image/png", "image/jpeg", "application/json")
            else "application/octet-stream"
        )
        return Response(data, media_type=media_type, headers=_UNTRUSTED)

    # ------------------------------------------------------------------ labels

    @app.post("/v1/labels", tags=["labels"], summary="Write the platform's GB 45438 implicit label")
    async def write_label(
        principal: Uploader,
        file: Annotated[UploadFile | None, File(description="the file to label")] = None,
        job_id: Annotated[str | None, Form(description="instead of a file: label this job's media")] = None,
        label: Annotated[
            Literal["1", "2", "3"] | None, Form(description="default: the job's verdict label")
        ] = None,
        propagator: Annotated[str, Form(max_length=128)] = "synthguard",
        propagate_id: Annotated[str | None, Form(max_length=128)] = None,
    ) -> Response:
        """Return the file with exactly one AIGC metadata field carrying this platform's propagation fields
        (producer fields kept). Pixels/samples are untouched."""
        try:
            from ..provenance import propagate
        except ImportError:
            raise _error(501, "label writing needs synthguard.provenance, which is not installed") from None
        if (file is None) == (job_id is None):
            raise _error(400, "send exactly one of 'file' or 'job_id'")
        if file is not None:
            data = await file.read(config.max_upload_bytes + 1)
            if len(data) > config.max_upload_bytes:
                raise _error(413, f"file exceeds {config.max_upload_bytes} bytes")
            name = Path(file.filename or "upload").name
        else:
            assert job_id is not None
            job = await run_in_threadpool(visible_job, principal, job_id)
            data = await run_in_threadpool(store.media, job_id)
            name = job.media_name
            label = label or job.aigc_label
        if sniff(data[:64]).family == "unknown":
            raise _error(415, f"unrecognised content; accepted: {ACCEPTED}")
        pid = propagate_id or (job_id or uuid.uuid4().hex)
        try:
            out, written = await run_in_threadpool(
                lambda: propagate(data, propagator=propagator, propagate_id=pid, label=label, name=name)
            )
        except ProvenanceError as exc:
            raise _error(422, str(exc)) from None
        await run_in_threadpool(
            lambda: store.audit(
                principal.audit(),
                "label.write",
                job_id=job_id,
                evidence_ids=[f"media:{hashlib.sha256(data).hexdigest()}"],
                details={"label": written.to_dict(), "name": name},
            )
        )
        metrics.inc("synthguard_labels_written_total", "Implicit labels written.", {"label": written.label})
        return Response(
            out,
            media_type=_MEDIA_TYPES.get(sniff(out[:64]).format, "application/octet-stream"),
            headers={
                "X-Synthguard-Label": written.to_json(),
                "Content-Disposition": f'attachment; filename="labeled-{_safe(name)}"',
            },
        )

    # ------------------------------------------------------------------ reviews

    @app.get("/v1/reviews", tags=["reviews"], summary="The review queue")
    async def list_reviews(
        principal: Reader,
        status: Annotated[
            Literal["open", "pending", "escalated", "confirmed", "overturned", "all"],
            Query(description="open = pending + escalated"),
        ] = "open",
        decision: str | None = None,
        aigc_label: str | None = None,
        q: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        statuses = {
            "open": ["pending", "escalated"],
            "all": ["pending", "escalated", "confirmed", "overturned"],
        }.get(status, [status])
        return await _job_page(
            limit, offset, review_status=statuses, decision=decision, aigc_label=aigc_label, q=q
        )

    @app.post("/v1/reviews/{job_id}/decision", tags=["reviews"], summary="Confirm, overturn or escalate")
    async def decide(job_id: str, body: DecisionIn, principal: Moderator) -> dict[str, Any]:
        try:
            job = await run_in_threadpool(
                lambda: store.decide(
                    job_id, body.action, body.reason, principal.audit(body.device), decision=body.decision
                )
            )
        except ValueError as exc:
            raise _error(409, str(exc)) from None
        metrics.inc("synthguard_reviews_total", "Review decisions.", {"action": body.action})
        return job.to_dict(with_report=False)

    # ------------------------------------------------------------------ assessments

    def make_assessment(
        raw: bytes, source: str, start: str, end: str, fmt: str, allow_missing: bool, principal: Principal
    ) -> tuple[bytes, str, str, int]:
        from ..assess import (
            Period,
            QuestionnaireError,
            StoreFacts,
            build_report,
            questionnaire_from_bytes,
            record_report_hashes,
            render_html,
            render_pdf,
            to_json,
        )

        try:
            questionnaire = questionnaire_from_bytes(raw, source=source, allow_missing=allow_missing)
        except QuestionnaireError as exc:
            raise HTTPException(
                422,
                {
                    "message": f"{len(exc.problems)} problem(s) in the questionnaire",
                    "problems": [
                        {"path": p.path, "message": p.message, "kind": p.kind} for p in exc.problems
                    ],
                },
            ) from None
        except ConfigError as exc:
            raise _error(422, str(exc)) from None
        try:
            period = Period.parse(start, end)
        except ConfigError as exc:
            raise _error(422, str(exc).replace("--from", "'from'").replace("--to", "'to'")) from None
        with _render_lock:
            assessment = build_report(questionnaire, StoreFacts(store), period)
            try:
                if fmt == "json":
                    body, media_type = to_json(assessment).encode("utf-8"), "application/json"
                elif fmt == "html":
                    body, media_type = render_html(assessment).encode("utf-8"), "text/html; charset=utf-8"
                else:
                    body, media_type = render_pdf(assessment), "application/pdf"
            except ConfigError as exc:  # WeasyPrint or a CJK font missing on this server
                raise _error(501, f"{fmt} output is not available on this server: {exc}") from None
        with tempfile.TemporaryDirectory(prefix="sg-assessment-") as tmp:
            path = Path(tmp) / f"assessment.{fmt}"
            path.write_bytes(body)
            audit_id = record_report_hashes(store, assessment, {fmt: path}, principal.audit())
        return body, media_type, assessment.conclusion.status, audit_id

    @app.post(
        "/v1/assessments",
        tags=["audit"],
        summary="Draft a security assessment report (安全评估报告) for a period",
        response_class=Response,
        responses={
            200: {
                "description": "the report (JSON twin, HTML page or PDF)",
                "content": {"application/json": {}, "text/html": {}, "application/pdf": {}},
            },
            422: {"model": ErrorOut, "description": "questionnaire problems (all listed) or bad dates"},
        },
    )
    async def create_assessment(
        principal: Auditor,
        questionnaire: Annotated[UploadFile, File(description="the filled questionnaire (YAML)")],
        start: Annotated[str, Form(alias="from", description="first day, e.g. 2026-10-01")],
        end: Annotated[str, Form(alias="to", description="last day (inclusive), e.g. 2026-10-31")],
        format: Annotated[Literal["json", "pdf", "html"], Form(description="output format")] = "json",
        allow_missing: Annotated[
            bool, Form(description="draft despite missing item answers (those items are red)")
        ] = False,
    ) -> Response:
        """Measure the period from the store, fill the questionnaire's report (see docs/assessment.md) and
        record the sha256 of the returned file in the audit log (action ``assessment.report``)."""
        raw = await questionnaire.read(_QUESTIONNAIRE_MAX_BYTES + 1)
        if len(raw) > _QUESTIONNAIRE_MAX_BYTES:
            raise _error(413, f"questionnaire exceeds {_QUESTIONNAIRE_MAX_BYTES} bytes")
        source = Path(questionnaire.filename or "questionnaire.yaml").name[:200] or "questionnaire.yaml"
        body, media_type, status, audit_id = await run_in_threadpool(
            make_assessment, raw, source, start, end, format, allow_missing, principal
        )
        headers = {
            "X-Synthguard-Assessment-Status": status,
            "X-Synthguard-Audit-Id": str(audit_id),
            "X-Synthguard-Report-Sha256": hashlib.sha256(body).hexdigest(),
            "Content-Disposition": f'attachment; filename="assessment-{_safe(start)}-{_safe(end)}.{format}"',
        }
        if format == "html":
            headers["Content-Security-Policy"] = _REPORT_CSP
        metrics.inc("synthguard_assessments_total", "Assessment reports drafted.", {"format": format})
        return Response(body, media_type=media_type, headers=headers)

    # ------------------------------------------------------------------ audit, stats, admin

    @app.get("/v1/audit", tags=["audit"], summary="The audit log, newest first")
    async def list_audit(
        principal: Auditor,
        job_id: str | None = None,
        action: str | None = None,
        actor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        rows = await run_in_threadpool(
            lambda: store.list_audit(job_id=job_id, action=action, actor=actor, limit=limit, offset=offset)
        )
        return {"items": [r.to_dict() for r in rows], "limit": limit, "offset": offset}

    @app.get("/v1/audit/verify", tags=["audit"], summary="Verify the audit hash chain")
    async def verify_audit(principal: Auditor) -> dict[str, Any]:
        ok, message = await run_in_threadpool(store.verify_audit_chain)
        return {"ok": ok, "message": message}

    @app.get("/v1/stats", tags=["audit"], summary="Volumes, labels, flagged rate, review latency")
    async def stats(principal: Reader) -> dict[str, Any]:
        return dict(await run_in_threadpool(store.stats))

    @app.get("/v1/keys", tags=["admin"], summary="List API keys")
    async def list_keys(principal: Admin) -> dict[str, Any]:
        return {"items": [k.to_dict() for k in await run_in_threadpool(store.list_keys)]}

    @app.post("/v1/keys", tags=["admin"], status_code=201, summary="Create an API key (shown once)")
    async def create_key(body: KeyIn, principal: Admin) -> dict[str, Any]:
        info, secret = await run_in_threadpool(
            lambda: store.create_key(body.role, name=body.name, ctx=principal.audit())
        )
        return {**info.to_dict(), "key": secret}

    @app.delete("/v1/keys/{key_id}", tags=["admin"], summary="Revoke an API key")
    async def revoke_key(key_id: str, principal: Admin) -> dict[str, Any]:
        if not await run_in_threadpool(lambda: store.revoke_key(key_id, ctx=principal.audit())):
            raise _error(404, "no active key with this id")
        return {"id": key_id, "revoked": True}

    @app.post("/v1/purge", tags=["admin"], summary="Apply the retention policy now (audited)")
    async def purge(principal: Admin) -> dict[str, Any]:
        return (await run_in_threadpool(lambda: store.purge(principal.audit()))).to_dict()

    # ------------------------------------------------------------------ public

    @app.get("/v1/policy", tags=["meta"], summary="The decision policy the workers apply")
    async def get_policy(principal: Reader) -> dict[str, Any]:
        return {**policy.to_dict(), "file": str(config.policy_file) if config.policy_file else None}

    @app.get("/v1/me", tags=["meta"], summary="Who the key belongs to (id, name, role)")
    async def me(principal: AnyRole) -> dict[str, Any]:
        return {"id": principal.key.id, "name": principal.key.name, "role": principal.key.role}

    @app.get("/v1/detectors", tags=["meta"], summary="Registered detectors and their cards")
    async def detectors(principal: AnyRole) -> dict[str, Any]:
        return {"items": [{**detector_card(n).to_dict(), "enabled": n in enabled} for n in list_detectors()]}

    @app.get("/v1/health", tags=["meta"], summary="Liveness and database check (no key needed)")
    async def health() -> JSONResponse:
        try:
            jobs = (await run_in_threadpool(store.stats))["jobs"]
            db = "ok"
        except Exception as exc:  # report, never raise: this is what load balancers poll
            log.warning("health check: database error: %s", type(exc).__name__)
            jobs, db = {}, "error"
        body = {
            "status": "ok" if db == "ok" else "degraded",
            "version": __version__,
            "database": db,
            "database_backend": store.dialect,
            "jobs": jobs,
            "workers": sum(t.is_alive() for t in getattr(app.state, "worker_threads", [])),
        }
        return JSONResponse(body, 200 if db == "ok" else 503)

    metrics_deps = [] if config.metrics_public else [Depends(require("auditor", "admin"))]

    @app.get(
        "/metrics",
        tags=["meta"],
        summary="Prometheus metrics",
        dependencies=metrics_deps,
        response_class=Response,
    )
    async def prometheus() -> Response:
        text = await run_in_threadpool(metrics.render)
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    # ------------------------------------------------------------------ dashboard

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    if STATIC_DIR.is_dir():
        app.mount("/ui", StaticFiles(directory=STATIC_DIR, html=True), name="ui")

    # ------------------------------------------------------------------ live audio rooms

    if live:
        from ..live import LiveConfig
        from ..live.persist import StorePersister
        from ..live.ws import create_router

        def live_auth(credential: str | None) -> Any:
            key = store.authenticate(credential) if credential else None
            return key if key is not None and key.role in ("uploader", "admin") else None

        app.include_router(
            create_router(
                authenticate=live_auth,
                on_event=StorePersister(store),
                config=LiveConfig(confirm_detector=config.live_confirm_detector or None),
            )
        )
    return app


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:100] or "file"
