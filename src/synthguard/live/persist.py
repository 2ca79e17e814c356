"""Persist live-room events with the shared store: alerts become scans, the rest goes to the audit log.

Why alerts become scans: the evidence clip of each raised alert (the audio that caused it) is
submitted as an ordinary scan job, so the worker re-scans it with the full pipeline and it shows up
in the review dashboard, the audit chain, webhooks and retention exactly like an upload, with
``context.source == "live"`` plus room, participant and the live alert. ``started``,
``speaker_mismatch``, ``enrolled`` and ``ended`` are appended to the audit log (``live.*``
actions); the full per-speaker timeline of ``ended`` is stored as a JSON blob referenced from the
audit record (``artifact:<sha256>``).

Example (in the service)::

    from synthguard.live.persist import StorePersister
    from synthguard.live.ws import create_router
    app.include_router(create_router(authenticate=..., on_event=StorePersister(store)))
"""

from __future__ import annotations

import json
from typing import Any

from ..store import AuditContext, Store
from .events import Alert, Ended, LiveEvent

__all__ = ["StorePersister"]


class StorePersister:
    """``on_event`` callback for :func:`synthguard.live.ws.create_router` (sync: runs in a worker thread).

    Args:
        store: the shared store.
        role: role recorded in audit records of live streams.
        submit_alerts: submit each raised alert's clip as a scan job (False: audit only).
    """

    def __init__(self, store: Store, *, role: str = "uploader", submit_alerts: bool = True) -> None:
        self.store = store
        self.role = role
        self.submit_alerts = submit_alerts

    def ctx(self, room: str, participant: str) -> AuditContext:
        return AuditContext(
            actor=f"live:{room}/{participant}"[:128],
            role=self.role,
            device={"room": room, "participant": participant},
        )

    def __call__(self, room: str, participant: str, event: LiveEvent) -> str | int | None:
        """Persist one event; returns the job id of a submitted alert, or the audit record id."""
        ctx = self.ctx(room, participant)
        details: dict[str, Any] = {"room": room, "participant": participant, **event.to_dict()}
        if isinstance(event, Alert) and event.state == "raised" and event.clip and self.submit_alerts:
            job = self.store.submit(
                event.clip,
                name=f"live-{room}-{participant}-{event.at:.1f}s.wav"[:512],
                media_format="wav",
                ctx=ctx,
                context={
                    "source": "live",
                    "room": room,
                    "participant": participant,
                    "alert": event.to_dict(),
                },
            )
            self.store.audit(
                ctx, "live.alert", job_id=job.id, evidence_ids=[f"media:{job.media_sha256}"], details=details
            )
            return job.id
        if isinstance(event, Ended):
            timeline = json.dumps(details, ensure_ascii=False).encode()
            sha = self.store.blobs.put(timeline)
            summary = {k: v for k, v in details.items() if k != "timelines"}
            summary["speakers"] = [
                {k: v for k, v in t.items() if k != "windows"} for t in details["timelines"]
            ]
            return self.store.audit(ctx, "live.ended", evidence_ids=[f"artifact:{sha}"], details=summary)
        if event.type == "enrolled":
            details.pop("embedding", None)  # a voiceprint is personal data: keep it out of the log
        return self.store.audit(ctx, f"live.{event.type}", details=details)
