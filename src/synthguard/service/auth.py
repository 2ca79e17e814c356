"""API-key authentication, roles and per-key rate limiting.

Keys travel as ``Authorization: Bearer <key>``; the store keeps only their sha256. Roles:
``uploader`` (submit, read own scans, write labels), ``moderator`` (review), ``auditor``
(read-only: scans, reviews, audit log, metrics), ``admin`` (everything, keys, purge).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..store import AuditContext, KeyInfo, Store

__all__ = ["Principal", "RateLimiter", "require"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `synthguard keys create`.")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its key and where the request came from."""

    key: KeyInfo
    source_ip: str | None
    source_port: int | None
    device: dict[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return self.key.role

    def audit(self, device: dict[str, Any] | None = None) -> AuditContext:
        """The audit context of this caller (``device``: extra info the platform supplied)."""
        return AuditContext(
            actor=self.key.id,
            role=self.key.role,
            source_ip=self.source_ip,
            source_port=self.source_port,
            device={**self.device, **(device or {})},
        )


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests, refilled continuously (0: unlimited)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, key: str) -> float:
        """0.0 when the request may go ahead, else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0


#: Deepest nesting kept from caller-supplied JSON (device info): the audit log is rendered by recursive
#: JSON encoders, so one absurdly nested record would make every later listing of it fail.
MAX_JSON_DEPTH = 16


def json_object(raw: str, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any] | None:
    """Parse untrusted JSON; the object, or None when it is not JSON, not an object or nested too deeply."""
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting beyond Python's own limit
        return None
    if not isinstance(parsed, dict) or not within_depth(parsed, max_depth):
        return None
    return parsed


def within_depth(value: Any, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON-like ``value`` (dicts and lists) nests at most ``max_depth`` levels (checked iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def _device(request: Request) -> dict[str, Any]:
    """Device info of the caller: its User-Agent and, when sent, ``X-Synthguard-Device`` JSON."""
    out: dict[str, Any] = {}
    ua = request.headers.get("user-agent")
    if ua:
        out["user_agent"] = ua[:300]
    raw = request.headers.get("x-synthguard-device")
    if raw:
        parsed = json_object(raw)
        out["client"] = parsed if parsed is not None else raw[:300]
    return out


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency admitting only keys with one of ``roles`` (401 no key, 403 wrong role)."""

    async def dependency(
        request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
            raise HTTPException(
                401,
                "an API key is required: Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        store: Store = request.app.state.store
        key = await run_in_threadpool(store.authenticate, creds.credentials)
        if key is None:
            raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        wait = request.app.state.rate_limiter.check(key.id)
        if wait > 0:
            raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": str(max(1, round(wait)))})
        if key.role not in roles:
            raise HTTPException(403, f"role {key.role!r} may not do this (needs {' or '.join(roles)})")
        client = request.client
        return Principal(
            key, client.host if client else None, client.port if client else None, _device(request)
        )

    return dependency
