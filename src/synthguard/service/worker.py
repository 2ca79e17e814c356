"""Scan workers: claim a job, scan it with a :class:`~synthguard.pipeline.Scanner`, store the result.

A worker heartbeats its lease while scanning; if it dies (``kill -9``), the lease expires and
another worker retries the job, up to the store's ``max_attempts``. Media errors fail the job at
once with the reason (retrying cannot fix the input).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from ..errors import MediaError, SynthguardError
from ..pipeline import ASSUME_FACE_DETECTORS, Scanner
from ..results import Artifact, Evidence
from ..store import Store, StoredArtifact
from . import webhooks
from .config import ServiceConfig
from .metrics import Metrics

__all__ = ["Worker", "serve_worker", "worker_id"]

log = logging.getLogger("synthguard.worker")


def worker_id() -> str:
    """A unique id naming this worker in leases and the audit log."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """One scan loop. Build once, then :meth:`run_once` or :meth:`run` in a thread or process.

    Args:
        store: the shared store.
        config: service settings (detectors, webhook secret, poll interval).
        scanner: a ready scanner (default: built from ``config.detectors``).
        metrics: where to count scans (optional).
    """

    def __init__(
        self,
        store: Store,
        config: ServiceConfig,
        *,
        scanner: Scanner | None = None,
        metrics: Metrics | None = None,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.scanner = scanner or config.scanner()
        self._crop_scanner: Scanner | None = None
        self.metrics = metrics
        self.owner = owner or worker_id()

    def run_once(self) -> bool:
        """Claim and process one job; False when the queue was empty."""
        self.deliver_webhooks()
        job = self.store.claim(self.owner)
        if job is None:
            return False
        stop = threading.Event()
        lost = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(job.id, stop, lost), daemon=True, name=f"heartbeat-{job.id[:8]}"
        )
        beat.start()
        t0 = time.perf_counter()
        try:
            scanner = self._face_crop_scanner() if job.context.get("assume_face") else self.scanner
            self._process(job.id, job.media_sha256, job.media_name, job.declared_ai, lost, scanner)
        finally:
            stop.set()
            beat.join()
        if self.metrics:
            self.metrics.observe(
                "synthguard_scan_seconds", "Time to scan one job (worker side).", time.perf_counter() - t0
            )
        self.deliver_webhooks()
        return True

    def _heartbeat(self, job_id: str, stop: threading.Event, lost: threading.Event) -> None:
        interval = max(0.05, self.store.config.lease_seconds / 3)
        while not stop.wait(interval):
            try:
                if not self.store.heartbeat(job_id, self.owner):
                    lost.set()
                    return
            except Exception:  # a database hiccup: try again next beat, the lease has slack
                log.warning("heartbeat for job %s failed", job_id, exc_info=True)

    def _face_crop_scanner(self) -> Scanner:
        """The worker's scanner with face detectors told the input is a face crop (built once)."""
        if self._crop_scanner is None:
            base = self.scanner
            self._crop_scanner = Scanner(
                base.names,
                policy=base.policy,
                limits=base.limits,
                sampling=base.sampling,
                read_provenance=base.read_provenance,
                detector_options={name: {"assume_face": True} for name in ASSUME_FACE_DETECTORS},
            )
        return self._crop_scanner

    def _process(
        self, job_id: str, sha: str, name: str, declared_ai: bool, lost: threading.Event, scanner: Scanner
    ) -> None:
        artifacts: list[StoredArtifact] = []

        def hook(step: str, payload: Any, *, completed: int | None = None, total: int | None = None) -> None:
            if step == "artifact":
                ev, art = payload
                assert isinstance(ev, Evidence) and isinstance(art, Artifact)
                if art.data:
                    digest = self.store.blobs.put(art.data)
                    artifacts.append(
                        StoredArtifact(ev.detector, art.name, art.kind, art.media_type, digest, len(art.data))
                    )

        try:
            data = self.store.blobs.get(sha)
        except KeyError:
            self._finish_failed(job_id, "the job's media is missing from the blob store")
            return
        try:
            report = scanner.scan(data, name=name, declared_ai=declared_ai, hook=hook)
        except MediaError as exc:
            self._finish_failed(job_id, f"{type(exc).__name__}: {exc}")
            return
        except SynthguardError as exc:
            self.store.fail(job_id, self.owner, f"{type(exc).__name__}: {exc}", retry=True)
            return
        except Exception as exc:  # unexpected: retry (bounded), keep the worker alive
            log.exception("scan of job %s crashed", job_id)
            self.store.fail(job_id, self.owner, f"internal error: {type(exc).__name__}: {exc}", retry=True)
            return
        if lost.is_set():
            log.warning("job %s: lease lost while scanning; result dropped (another worker retries)", job_id)
            return
        if self.store.complete(job_id, self.owner, report.to_dict(), artifacts) and self.metrics:
            self.metrics.inc(
                "synthguard_scans_completed_total",
                "Scans finished, by decision.",
                {"decision": report.verdict.decision},
            )

    def _finish_failed(self, job_id: str, reason: str) -> None:
        self.store.fail(job_id, self.owner, reason)
        if self.metrics:
            self.metrics.inc("synthguard_scans_failed_total", "Scans that failed for good.")

    def deliver_webhooks(self) -> None:
        """Send due callbacks (errors are recorded on the delivery, never raised)."""
        try:
            webhooks.deliver_due(
                self.store,
                self.config.webhook_secret,
                max_attempts=self.config.webhook_max_attempts,
                backoff_seconds=self.config.webhook_backoff_seconds,
            )
        except Exception:
            log.warning("webhook delivery round failed", exc_info=True)

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        max_jobs: int | None = None,
        wake: threading.Event | None = None,
    ) -> int:
        """Process jobs until ``stop`` is set (or ``max_jobs`` done); returns jobs processed.

        ``wake``: set by the API after a submission in the same process, so an idle worker starts at
        once instead of at its next poll.
        """
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the database may be briefly unavailable: back off, keep going
                log.warning("worker %s: round failed", self.owner, exc_info=True)
                worked = False
            if worked:
                done += 1
                if max_jobs is not None and done >= max_jobs:
                    break
            elif wake is not None:
                if wake.wait(self.config.poll_seconds):
                    wake.clear()
            else:
                stop.wait(self.config.poll_seconds)
        return done


def serve_worker(
    config: ServiceConfig, *, threads: int = 1, max_jobs: int | None = None, store: Store | None = None
) -> int:
    """Run scan workers in this process until SIGTERM / SIGINT (``synthguard worker``).

    Returns the number of jobs processed.
    """
    import signal

    store = store or Store(config.store)
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("worker: signal %s, finishing the current job", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    workers = [Worker(store, config) for _ in range(max(1, threads))]
    counts = [0] * len(workers)

    def loop(i: int) -> None:
        counts[i] = workers[i].run(stop, max_jobs=max_jobs)

    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(workers))]
    for t in pool:
        t.start()
    while any(t.is_alive() for t in pool):
        for t in pool:
            t.join(timeout=0.5)
    return sum(counts)
