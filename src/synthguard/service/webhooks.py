"""Signed callbacks: ``POST`` JSON to the submitter's URL with an HMAC-SHA256 signature.

Headers: ``X-Synthguard-Timestamp: <unix seconds>`` and
``X-Synthguard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``. Receivers
recompute it with :func:`verify_signature` and reject stale timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from ..store import Store

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "deliver_due", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Synthguard-Signature"
TIMESTAMP_HEADER = "X-Synthguard-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    max_age_seconds: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is valid for ``body`` and the timestamp is recent."""
    try:
        age = (now if now is not None else time.time()) - float(timestamp)
    except ValueError:
        return False
    if abs(age) > max_age_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(store: Store, job_id: str) -> dict[str, Any]:
    """What a callback carries: the job state and the verdict (the full report is one GET away)."""
    job = store.get_job(job_id)
    report = job.report or {}
    return {
        "event": "scan.finished",
        "job_id": job.id,
        "status": job.status,
        "error": job.error,
        "decision": job.decision,
        "aigc_label": job.aigc_label,
        "score": job.score,
        "verdict": report.get("verdict"),
        "review_status": job.review_status,
        "media_sha256": job.media_sha256,
    }


def deliver_due(
    store: Store,
    secret: str,
    *,
    max_attempts: int = 5,
    backoff_seconds: float = 2.0,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
) -> int:
    """Send every callback that is due; returns how many were attempted. Failures are retried later."""
    tasks = store.claim_webhooks()
    if not tasks:
        return 0
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for task in tasks:
            body = json.dumps(payload(store, task.job_id), separators=(",", ":")).encode()
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: ts,
                "X-Synthguard-Delivery": str(task.id),
                "User-Agent": "synthguard-webhook",
            }
            if secret:
                headers[SIGNATURE_HEADER] = sign(secret, ts, body)
            try:
                resp = http.post(task.url, content=body, headers=headers)
                ok = 200 <= resp.status_code < 300
                error = None if ok else f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                ok, error = False, f"{type(exc).__name__}: {exc}"
            store.webhook_result(
                task.id, ok, error, max_attempts=max_attempts, backoff_seconds=backoff_seconds
            )
    finally:
        if own:
            http.close()
    return len(tasks)
