"""The WebSocket API of live audio rooms (``/v1/streams``) and the demo page, as a FastAPI router.

The service mounts it with ``app.include_router(create_router(authenticate=..., on_event=...))``;
this module knows nothing about keys or databases: ``authenticate`` turns the caller's credential
into a principal (or None), ``on_event`` persists what matters. Protocol: ``docs/live.md``.

Back-pressure, so a slow client never makes the server buffer without bound:

- inbound: a frame is processed before the next one is read, so a client that sends faster than
  the server scores is slowed down by TCP itself; one binary message is at most
  ``StreamLimits.max_frame_bytes``;
- outbound: events wait in a queue of ``StreamLimits.outbox`` events; when it is full the oldest
  ``segment_scored`` events are dropped (counted in ``ended.dropped_events``); when it holds only
  events that must not be lost (alerts, errors), or one send blocks longer than
  ``StreamLimits.send_timeout``, the stream is closed with ``error: client_too_slow``.

Example:
    >>> from fastapi import FastAPI
    >>> from synthguard.live.ws import create_router
    >>> app = FastAPI()
    >>> app.include_router(create_router(authenticate=lambda cred: "anyone" if cred else None))
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..detectors import Detector, create_detector
from ..errors import SynthguardError
from ._pcm import PcmFormat
from .events import Alert, Ended, LiveEvent, SegmentScored, StreamError
from .session import LiveConfig, LiveSession

__all__ = ["Authenticate", "LiveHub", "OnEvent", "StreamLimits", "create_router"]

log = logging.getLogger("synthguard.live")

STATIC = Path(__file__).resolve().parent / "static"
_DEMO_FILES = {"index.html": "text/html", "live.js": "text/javascript", "live.css": "text/css"}
_NAME = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")

Authenticate = Callable[[str | None], Any]
"""``authenticate(credential) -> principal | None`` (sync or async): the bearer key from the
``Authorization`` header or the ``token`` query parameter, None when the client sent neither."""
OnEvent = Callable[[str, str, LiveEvent], Any]
"""``on_event(room, participant, event)`` (sync callables run in a worker thread; async awaited)."""

# close codes (4000-4999 are for applications, RFC 6455 7.4.2)
CLOSE_NORMAL, CLOSE_BAD_REQUEST, CLOSE_UNAUTHORIZED = 1000, 4400, 4401
CLOSE_TIMEOUT, CLOSE_TOO_LARGE, CLOSE_TRY_AGAIN, CLOSE_INTERNAL = 4408, 4413, 1013, 1011
_CLOSE_CODES = {
    "client_too_slow": CLOSE_TRY_AGAIN,
    "frame_too_large": CLOSE_TOO_LARGE,
    "internal_error": CLOSE_INTERNAL,
    "idle_timeout": CLOSE_TIMEOUT,
}


@dataclass(frozen=True)
class StreamLimits:
    """Limits that keep one stream's memory and time bounded.

    Attributes:
        max_frame_bytes: largest binary message (1 MiB is ~8 s of 48 kHz stereo s16le).
        max_text_bytes: largest JSON control message.
        outbox: events queued for a slow client before dropping / closing.
        send_timeout: seconds one send may block before the client counts as too slow.
        start_timeout: seconds to wait for the ``start`` message.
        idle_timeout: seconds without any message before the stream is ended.
        max_streams: concurrent streams per router; more get ``error: busy``.
        max_seconds: audio seconds per stream (then ``ended`` with reason ``max_duration``).
        max_lag: when the server is this many seconds behind a real-time client (audio waiting in
            the socket), windows are skipped until it catches up (``error: overloaded``, non-fatal).
        scoring_threads: threads scoring all streams (0: one per CPU); bounds CPU oversubscription
            and the detector's memory (each concurrent inference holds its own buffers).
    """

    max_frame_bytes: int = 1 << 20
    max_text_bytes: int = 64 << 10
    outbox: int = 256
    send_timeout: float = 10.0
    start_timeout: float = 10.0
    idle_timeout: float = 120.0
    max_streams: int = 200
    max_seconds: float = 6 * 3600.0
    max_lag: float = 3.0
    scoring_threads: int = 0


@dataclass
class LiveHub:
    """The streams a router is serving now (for health checks, and tests that check no state leaks)."""

    active: dict[str, tuple[str, str, LiveSession]] = field(default_factory=dict)
    total: int = 0
    _detector: Detector | None = None
    _confirm: Detector | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _executor: ThreadPoolExecutor | None = None

    def executor(self, threads: int) -> ThreadPoolExecutor:
        """The bounded pool every stream's scoring runs on (created on first use)."""
        with self._lock:
            if self._executor is None:
                n = threads or os.cpu_count() or 2
                self._executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="synthguard-live")
            return self._executor

    def detector(self, config: LiveConfig) -> Detector:
        """One detector shared by all streams (ONNX sessions are thread-safe); built on first use."""
        with self._lock:
            if self._detector is None:
                self._detector = create_detector(config.detector, **dict(config.detector_kwargs))
            return self._detector

    def confirm(self, config: LiveConfig) -> Detector | None:
        """The shared confirming detector (``config.confirm_detector``; None when there is none)."""
        with self._lock:
            if self._confirm is None and config.confirm_detector:
                self._confirm = create_detector(config.confirm_detector)
            return self._confirm

    def stats(self) -> dict[str, Any]:
        return {
            "active_streams": len(self.active),
            "total_streams": self.total,
            "memory_bytes": sum(s.memory_bytes for _, _, s in list(self.active.values())),
        }


class _Outbox:
    """A bounded event queue: drops the oldest droppable event when full, else reports overflow."""

    def __init__(self, size: int) -> None:
        self.size = max(2, size)
        self._q: deque[LiveEvent | None] = deque()
        self._ready = asyncio.Event()
        self.dropped = 0
        self.overflow = False

    def put(self, ev: LiveEvent | None) -> bool:
        if ev is not None and len(self._q) >= self.size:
            for i, old in enumerate(self._q):
                if isinstance(old, SegmentScored):
                    del self._q[i]
                    self.dropped += 1
                    break
            else:
                if isinstance(ev, SegmentScored):
                    self.dropped += 1
                    return True
                self.overflow = True
                return False
        self._q.append(ev)
        self._ready.set()
        return True

    def __len__(self) -> int:
        return len(self._q)

    async def get(self) -> LiveEvent | None:
        while not self._q:
            self._ready.clear()
            await self._ready.wait()
        return self._q.popleft()


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await run_in_threadpool(fn, *args)
    if inspect.isawaitable(result):
        return await result
    return result


def _credential(ws: WebSocket) -> str | None:
    header = ws.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None
    token = ws.query_params.get("token")
    return token or None


def create_router(
    *,
    authenticate: Authenticate,
    on_event: OnEvent | None = None,
    config: LiveConfig | None = None,
    limits: StreamLimits | None = None,
    detector: Detector | None = None,
    confirm: Detector | None = None,
    persist_types: Collection[str] = ("started", "alert", "speaker_mismatch", "enrolled", "ended"),
    prefix: str = "/v1",
    demo_path: str | None = "/live",
    hub: LiveHub | None = None,
) -> APIRouter:
    """Build the router: ``WS {prefix}/streams?room=R&participant=P`` and the demo at ``demo_path``.

    Args:
        authenticate: credential -> principal, or None (or an exception) to refuse the stream.
        on_event: persistence callback, called with the events whose ``type`` is in
            ``persist_types`` (``segment_scored`` is left out by default: ``ended`` carries the
            whole timeline); failures are logged and never end the stream.
        config: scoring settings of every stream (the ``start`` message may set ``diarize``).
        limits: per-stream limits; see :class:`StreamLimits`.
        detector: a ready, thread-safe detector to share (default: built from ``config`` on the
            first stream and shared).
        confirm: a ready, thread-safe confirming detector to share (default: built from
            ``config.confirm_detector`` when set; see :class:`LiveConfig`).
        persist_types: event types passed to ``on_event``.
        prefix: path prefix of the WebSocket endpoint.
        demo_path: where the demo page is served (None: no demo).
        hub: holds the active streams (default: a new one; pass your own to inspect it).
    """
    cfg = config or LiveConfig()
    lim = limits or StreamLimits()
    state = hub or LiveHub()
    if detector is not None:
        state._detector = detector
    if confirm is not None:
        state._confirm = confirm
    persist = frozenset(persist_types)
    router = APIRouter()

    @router.websocket(f"{prefix}/streams")
    async def stream(ws: WebSocket) -> None:
        room = ws.query_params.get("room", "")
        participant = ws.query_params.get("participant", "")
        await ws.accept()
        outbox = _Outbox(lim.outbox)
        sid = uuid.uuid4().hex[:16]
        session: LiveSession | None = None

        async def persist_event(ev: LiveEvent) -> None:
            if on_event is None or ev.type not in persist:
                return
            try:
                await _call(on_event, room, participant, ev)
            except Exception:  # persistence must never take a live stream down
                log.exception("live on_event failed for %s/%s (%s)", room, participant, ev.type)

        async def emit(events: list[LiveEvent]) -> bool:
            for ev in events:
                if isinstance(ev, Ended) and outbox.dropped:
                    ev = replace(ev, dropped_events=outbox.dropped)
                await persist_event(ev)
                if isinstance(ev, Alert) and ev.clip:
                    ev = replace(ev, clip=b"")  # the client gets the JSON only; keep queued events small
                if not outbox.put(ev):
                    return False
            return True

        async def fail(code: str, message: str, close_code: int) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    ws.send_text(json.dumps(StreamError(code, message, True).to_dict())), lim.send_timeout
                )
            with contextlib.suppress(Exception):
                await ws.close(close_code, code)

        if not _NAME.match(room) or not _NAME.match(participant):
            await fail(
                "bad_request",
                "query parameters room and participant are required: 1-128 characters "
                "from A-Z a-z 0-9 _ . : @ -",
                CLOSE_BAD_REQUEST,
            )
            return
        try:
            principal = await _call(authenticate, _credential(ws))
        except HTTPException as exc:
            principal, log_detail = None, exc.detail
        except Exception as exc:
            principal, log_detail = None, str(exc)
        else:
            log_detail = "refused"
        if principal is None:
            log.info("live stream %s/%s refused: %s", room, participant, log_detail)
            await fail(
                "unauthorized",
                "a valid API key is required: Authorization: Bearer <key>, or the token query parameter",
                CLOSE_UNAUTHORIZED,
            )
            return
        if len(state.active) >= lim.max_streams:
            await fail(
                "busy", f"this server already serves {lim.max_streams} streams; retry later", CLOSE_TRY_AGAIN
            )
            return

        # ---- the start message
        try:
            first = await asyncio.wait_for(ws.receive(), lim.start_timeout)
        except TimeoutError:
            await fail("start_timeout", f"no start message within {lim.start_timeout:g} s", CLOSE_TIMEOUT)
            return
        if first["type"] == "websocket.disconnect":
            return
        try:
            fmt, diarize = _parse_start(first, lim)
        except ValueError as exc:
            await fail("bad_start", str(exc), CLOSE_BAD_REQUEST)
            return
        try:
            det = await run_in_threadpool(state.detector, cfg)
            conf = await run_in_threadpool(state.confirm, cfg)
            session = LiveSession(
                fmt,
                replace(cfg, diarize=diarize or cfg.diarize),
                detector=det,
                stream_id=sid,
                speaker=participant,
                confirm=conf,
            )
        except SynthguardError as exc:
            await fail("detector_unavailable", str(exc), CLOSE_INTERNAL)
            return
        state.active[sid] = (room, participant, session)
        state.total += 1
        sender = asyncio.create_task(_sender(ws, outbox, lim.send_timeout))
        reason = "disconnect"  # unless the loop ends for another reason (a cancelled task included)
        pool = state.executor(lim.scoring_threads)
        clock, overloaded = (time.perf_counter(), 0.0), False
        inflight: Future[Any] | None = None  # the session call running in the pool, if any
        try:
            await emit([session.started()])
            while True:
                if sender.done():
                    reason = "client_too_slow"
                    break
                waited = time.perf_counter()
                try:
                    msg = await asyncio.wait_for(ws.receive(), lim.idle_timeout)
                except TimeoutError:
                    await emit([StreamError("idle_timeout", f"no data for {lim.idle_timeout:g} s", True)])
                    reason = "idle_timeout"
                    break
                if msg["type"] == "websocket.disconnect":
                    reason = "disconnect"
                    break
                data, text = msg.get("bytes"), msg.get("text")
                if data is not None:
                    if len(data) > lim.max_frame_bytes:
                        await emit(
                            [
                                StreamError(
                                    "frame_too_large",
                                    f"binary messages must be at most "
                                    f"{lim.max_frame_bytes} bytes; send smaller chunks",
                                    True,
                                )
                            ]
                        )
                        reason = "frame_too_large"
                        break
                    now = time.perf_counter()
                    # a pause of >= 0.25 s before this message means nothing was queued (a backlogged
                    # socket answers at once): re-base the lag clock, so a client that paused is not "late"
                    if now - waited > 0.25:
                        clock = (now, session.duration)
                    lag = (now - clock[0]) - (session.duration - clock[1])
                    behind = lag > lim.max_lag
                    if behind and not overloaded:
                        await emit(
                            [
                                StreamError(
                                    "overloaded",
                                    f"the server is {lag:.1f} s behind real time; "
                                    "windows are skipped until it catches up",
                                )
                            ]
                        )
                    overloaded = behind
                    inflight = pool.submit(session.push, data, not behind)
                    events = await asyncio.wrap_future(inflight)
                    ok = await emit(events)
                    if session.duration >= lim.max_seconds:
                        reason = "max_duration"
                        break
                elif text is not None:
                    inflight = pool.submit(_control, session, text, lim)
                    events, stop = await asyncio.wrap_future(inflight)
                    ok = await emit(events)
                    if stop:
                        reason = "stop"
                        break
                else:
                    continue
                if not ok or outbox.overflow:
                    reason = "client_too_slow"
                    break
        except WebSocketDisconnect:
            reason = "disconnect"
        except Exception:
            log.exception("live stream %s/%s failed", room, participant)
            reason = "internal_error"
            outbox.put(StreamError("internal_error", "the server failed on this stream; see its log", True))
        finally:
            # shielded: a cancelled task (server shutdown, client gone) still records its ``ended``
            with anyio.move_on_after(lim.send_timeout + 5.0, shield=True):
                if inflight is not None and not inflight.done():
                    # cancelled mid-call: the thread still runs; a session is never used by two threads
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(asyncio.wrap_future(inflight), lim.send_timeout)
                await _finish(ws, session, reason, outbox, sender, emit, lim)
            state.active.pop(sid, None)
            log.info(
                "live stream %s %s/%s ended (%s, %.1f s audio)",
                sid,
                room,
                participant,
                reason,
                session.duration,
            )

    if demo_path:
        demo = demo_path.rstrip("/")

        @router.get(demo, include_in_schema=False)
        async def demo_redirect() -> RedirectResponse:
            return RedirectResponse(f"{demo}/")

        @router.get(f"{demo}/", include_in_schema=False)
        async def demo_page() -> FileResponse:
            return FileResponse(STATIC / "index.html", media_type="text/html")

        @router.get(f"{demo}/static/{{name}}", include_in_schema=False)
        async def demo_static(name: str) -> FileResponse:
            if name not in _DEMO_FILES:
                raise HTTPException(404, "not found")
            return FileResponse(STATIC / name, media_type=_DEMO_FILES[name])

    router.live_hub = state  # type: ignore[attr-defined]
    return router


async def _finish(
    ws: WebSocket,
    session: LiveSession,
    reason: str,
    outbox: _Outbox,
    sender: asyncio.Task[None],
    emit: Callable[[list[LiveEvent]], Awaitable[bool]],
    lim: StreamLimits,
) -> None:
    """End a stream: flush the session, persist and send ``ended``, stop the sender, close the socket."""
    try:
        if reason == "client_too_slow":
            outbox.put(StreamError("client_too_slow", "the client did not read events fast enough", True))
        await emit(await run_in_threadpool(session.stop, reason))
        outbox.put(None)  # tells the sender to finish
        if reason in ("disconnect", "client_too_slow"):
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(sender, lim.send_timeout)
    finally:
        if not sender.done():
            sender.cancel()
        if ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(_CLOSE_CODES.get(reason, CLOSE_NORMAL), reason)


async def _sender(ws: WebSocket, outbox: _Outbox, timeout: float) -> None:
    """Drain the outbox into the socket; returns when a send blocks too long or the stream ends."""
    while True:
        ev = await outbox.get()
        if ev is None:
            return
        try:
            await asyncio.wait_for(ws.send_text(json.dumps(ev.to_dict())), timeout)
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            return
        except Exception:  # the transport went away
            return


def _parse_start(msg: Mapping[str, Any], lim: StreamLimits) -> tuple[PcmFormat, bool]:
    text = msg.get("text")
    if text is None:
        raise ValueError(
            'the first message must be JSON text: {"type": "start", "sample_rate": 16000, '
            '"format": "s16le", "channels": 1}; got binary data'
        )
    if len(text) > lim.max_text_bytes:
        raise ValueError("start message too large")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the start message is not valid JSON: {exc}") from None
    if not isinstance(obj, dict) or obj.get("type") != "start":
        raise ValueError('the first message must have "type": "start"')
    unknown = set(obj) - {"type", "sample_rate", "format", "channels", "diarize"}
    if unknown:
        raise ValueError(
            f"unknown start fields {sorted(unknown)}; accepted: sample_rate, format, channels, diarize"
        )
    try:
        fmt = PcmFormat(obj.get("sample_rate", 16_000), obj.get("format", "s16le"), obj.get("channels", 1))
    except SynthguardError as exc:
        raise ValueError(str(exc)) from None
    diarize = obj.get("diarize", False)
    if not isinstance(diarize, bool):
        raise ValueError("diarize must be true or false")
    return fmt, diarize


def _control(session: LiveSession, text: str, lim: StreamLimits) -> tuple[list[LiveEvent], bool]:
    """Handle one JSON control message; returns its events and whether the stream stops."""
    if len(text) > lim.max_text_bytes:
        return [
            StreamError("bad_message", f"control messages must be at most {lim.max_text_bytes} bytes")
        ], False
    try:
        obj = json.loads(text)
    except ValueError:
        return [
            StreamError("bad_message", "control messages must be JSON objects with a type: enroll or stop")
        ], False
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "stop":
        return [], True
    if kind == "enroll":
        seconds, embedding = obj.get("seconds"), obj.get("embedding")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)):
            return [StreamError("bad_enroll", "seconds must be a number")], False
        if embedding is not None and not isinstance(embedding, list):
            return [StreamError("bad_enroll", "embedding must be a list of numbers")], False
        return session.enroll(seconds=seconds, embedding=embedding), False
    if kind == "start":
        return [StreamError("bad_message", "the stream has already started")], False
    if kind == "ping":
        return [], False
    return [StreamError("bad_message", f"unknown control message type {kind!r}; use enroll or stop")], False
