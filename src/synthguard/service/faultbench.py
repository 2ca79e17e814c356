"""Fault benchmark on loopback: sustained submissions while workers are killed and the database restarts.

Starts ``synthguard serve --workers 0`` and ``--workers`` separate ``synthguard worker`` processes
(model-free ``test.*`` detectors) on a fresh data folder, then for ``--seconds``:

* ``--concurrency`` client threads ``POST /v1/scans`` unique small PNGs as fast as they are answered;
* every ``--kill-every`` seconds a worker process gets ``SIGKILL`` (one caught mid-scan when it can) and a
  replacement starts;
* with PostgreSQL (``--database-url`` or ``SYNTHGUARD_DATABASE_URL``) and ``--db-restart-every``, the
  database is restarted (``pg_ctlcluster 15 main restart`` by default) while the load goes on.

Then it lets the workers drain the queue and checks, in the database and through the API, that every
accepted submission (HTTP 202 with an id) is ``done`` or ``failed`` with a reason, that none is
missing or processed twice, and that every refused submission got a 5xx answer with a message. It
prints a JSON summary and exits 1 when anything was lost, duplicated or refused without a reason.

    python -m synthguard.service.faultbench --seconds 60 --concurrency 4 --workers 2 --kill-every 3
    SYNTHGUARD_DATABASE_URL=postgresql+psycopg://synthguard:synthguard@127.0.0.1/synthguard_test \\
        python -m synthguard.service.faultbench --seconds 60 --db-restart-every 20
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from PIL import Image

from ..store import Store, StoreConfig
from ..store.models import AuditEvent, Job

__all__ = ["FaultBenchResult", "main", "run_faultbench"]

_CLI = [sys.executable, "-c", "import sys; from synthguard.cli import main; sys.exit(main())"]
DEFAULT_DB_RESTART = ("pg_ctlcluster", "15", "main", "restart")


@dataclass(frozen=True)
class FaultBenchResult:
    """What one fault run held, injected and found.

    Attributes:
        seconds: length of the load phase.
        database: ``sqlite`` or ``postgresql``.
        submissions: ``POST /v1/scans`` calls made.
        accepted: answered 202 with a job id.
        refused: refused answers by HTTP status (e.g. ``{"503": 12}``).
        refused_unclear: refusals without a JSON ``detail`` message or with a status below 500.
        no_answer: calls that got no HTTP answer at all (connection errors, timeouts).
        worker_kills: ``SIGKILL`` sent to worker processes.
        worker_kills_mid_scan: of those, kills of a worker that held a running job.
        db_restarts: database restarts completed during the load.
        done / failed: accepted jobs in each final state after the drain.
        retried: accepted jobs claimed more than once (a killed or cut-off worker's job retried).
        failed_reasons: failure reasons (first 60 characters) with counts.
        failed_without_reason: failed jobs with an empty error.
        lost: accepted jobs missing from the database or not finished after the drain.
        duplicated: submissions stored twice, or jobs with more than one final decision recorded.
        unacknowledged_stored: jobs stored for calls that were not answered 202 (never lost, finished).
        api_checked / api_mismatch: accepted jobs read back through ``GET /v1/scans/{id}`` and how many
            disagreed with the database or were not final.
        audit_chain_ok: the audit hash chain verified after the run.
        drain_seconds: time the workers needed to finish the queue after the load.
    """

    seconds: float
    concurrency: int
    workers: int
    database: str
    submissions: int
    accepted: int
    refused: dict[str, int]
    refused_unclear: int
    no_answer: int
    worker_kills: int
    worker_kills_mid_scan: int
    db_restarts: int
    done: int
    failed: int
    retried: int
    failed_reasons: dict[str, int]
    failed_without_reason: int
    lost: int
    duplicated: int
    unacknowledged_stored: int
    api_checked: int
    api_mismatch: int
    audit_chain_ok: bool
    drain_seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Nothing lost or duplicated, every refusal explained, every answer consistent."""
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.refused_unclear == 0
            and self.failed_without_reason == 0
            and self.api_mismatch == 0
            and self.audit_chain_ok
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["notes"] = list(self.notes)
        out["requests_per_s"] = round(self.submissions / self.seconds, 1) if self.seconds else 0.0
        out["accepted_per_s"] = round(self.accepted / self.seconds, 1) if self.seconds else 0.0
        out["ok"] = self.ok
        return out


def _png(n: int, size: int) -> bytes:
    """A small PNG whose bytes are unique per ``n`` (so a duplicate submission would show)."""
    img = Image.new("RGB", (size, size), (n % 251, (n // 251) % 251, 90))
    for k in range(4):
        img.putpixel((k, 0), ((n >> (8 * k)) & 255, 7, 7))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Processes:
    """The server and the worker processes, with their logs in ``home/logs``."""

    def __init__(self, home: Path, env: dict[str, str], detectors: Sequence[str]) -> None:
        self.home = home
        self.env = env
        self.detectors = list(detectors)
        self.logs = home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.server: subprocess.Popen[bytes] | None = None
        self._n = 0

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        for d in self.detectors:
            args += ["--detector", d]
        with open(self.logs / log_name, "ab") as log:
            return subprocess.Popen([*_CLI, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_server(self, port: int) -> None:
        args = ["serve", "--data-dir", str(self.home), "--port", str(port), "--workers", "0"]
        self.server = self._spawn([*args, "--log-level", "warning"], "server.log")

    def start_worker(self) -> None:
        self._n += 1
        self.workers.append(
            self._spawn(["worker", "--data-dir", str(self.home), "--threads", "1"], f"worker-{self._n}.log")
        )

    def _busy_pids(self, store: Store) -> set[int]:
        """Pids of our workers holding a running job (worker ids are ``host:pid:suffix``)."""
        try:
            with store.engine.connect() as c:
                owners = c.execute(sa.select(Job.lease_owner).where(Job.status == "running")).scalars()
                pids = {
                    int(o.split(":")[1])
                    for o in owners
                    if o and o.count(":") >= 2 and o.split(":")[1].isdigit()
                }
        except sa.exc.OperationalError:
            return set()
        return pids & {p.pid for p in self.workers if p.poll() is None}

    def kill_worker(self, rng: random.Random, store: Store, hunt_seconds: float = 1.5) -> tuple[bool, bool]:
        """SIGKILL one live worker, preferring one caught mid-scan (looked for during ``hunt_seconds``,
        else a random one); returns (killed, it held a running job at that moment)."""
        deadline = time.monotonic() + hunt_seconds
        busy = self._busy_pids(store)
        while not busy and time.monotonic() < deadline:
            time.sleep(0.02)
            busy = self._busy_pids(store)
        alive = [p for p in self.workers if p.poll() is None]
        if not alive:
            return False, False
        victims = [p for p in alive if p.pid in busy]
        victim = rng.choice(victims or alive)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        self.workers.remove(victim)
        return True, bool(victims)

    def ensure_workers(self, n: int) -> None:
        self.workers = [p for p in self.workers if p.poll() is None]
        while len(self.workers) < n:
            self.start_worker()

    def stop(self) -> None:
        procs = [*self.workers, *([self.server] if self.server else [])]
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def _clear_refusal(status: int, body: bytes) -> bool:
    """A refusal is clear when it is a server-side refusal (5xx) carrying a JSON ``detail`` message."""
    if status < 500:
        return False
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return False
    return bool(detail) and detail != "Internal Server Error"


def run_faultbench(
    *,
    seconds: float = 60.0,
    concurrency: int = 4,
    workers: int = 2,
    kill_every: float = 3.0,
    db_restart_every: float | None = None,
    database_url: str | None = None,
    data_dir: Path | None = None,
    image_size: int = 64,
    lease_seconds: float = 2.0,
    max_attempts: int = 5,
    drain_timeout: float = 120.0,
    detectors: Sequence[str] = ("test.*",),
    db_restart_command: Sequence[str] = DEFAULT_DB_RESTART,
    seed: int = 0,
) -> FaultBenchResult:
    """Run the fault benchmark and return its figures (see the module docstring).

    Args:
        seconds: load phase length.
        concurrency: client threads submitting.
        workers: ``synthguard worker`` processes kept running (each killed and replaced in turn).
        kill_every: mean seconds between ``SIGKILL``s (0: no kills).
        db_restart_every: seconds between database restarts (PostgreSQL only; None: none).
        database_url: PostgreSQL URL (None: SQLite in the data folder). Only this run's jobs are checked,
            so a shared database is fine, but use a throw-away one.
        data_dir: data folder (default: a new temporary folder).
        image_size: side of the submitted PNGs.
        lease_seconds: worker lease (short, so killed workers' jobs come back quickly).
        max_attempts: claims per job before it fails for good.
        drain_timeout: how long the workers get to finish the queue after the load.
        detectors: detector patterns the workers run.
        db_restart_command: how to restart the database.
        seed: for the kill schedule.
    """
    home = data_dir or Path(tempfile.mkdtemp(prefix="sg-faultbench-"))
    home.mkdir(parents=True, exist_ok=True)
    database = "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite"
    cfg = StoreConfig(
        data_dir=home, database_url=database_url, lease_seconds=lease_seconds, max_attempts=max_attempts
    )
    store = Store(cfg)
    uploader_info, uploader = store.create_key("uploader", name="faultbench")
    admin = store.create_key("admin", name="faultbench-admin")[1]
    env = {
        **os.environ,
        "SYNTHGUARD_RATE_LIMIT_PER_MINUTE": "0",
        "SYNTHGUARD_LEASE_SECONDS": str(lease_seconds),
        "SYNTHGUARD_MAX_ATTEMPTS": str(max_attempts),
        "SYNTHGUARD_POLL_SECONDS": "0.1",
    }
    env.pop("SYNTHGUARD_HOME", None)
    if database_url:
        env["SYNTHGUARD_DATABASE_URL"] = database_url
    else:
        env.pop("SYNTHGUARD_DATABASE_URL", None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    procs = _Processes(home, env, detectors)
    rng = random.Random(seed)
    notes: list[str] = []
    lock = threading.Lock()
    accepted: dict[str, str] = {}  # job id -> media sha256 of what was sent
    refused: Counter[str] = Counter()
    unclear: list[str] = []
    no_answer: list[str] = []
    submissions = 0
    kills = 0
    kills_mid_scan = 0
    restarts = 0
    try:
        procs.start_server(port)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or (procs.server and procs.server.poll() is not None):
                raise RuntimeError(f"the server did not start; see {procs.logs / 'server.log'}")
            time.sleep(0.2)
        procs.ensure_workers(workers)

        stop = threading.Event()
        t_start = time.monotonic()
        stop_at = t_start + seconds

        def client(n: int) -> None:
            nonlocal submissions
            with httpx.Client(
                base_url=base, timeout=60, headers={"Authorization": f"Bearer {uploader}"}
            ) as h:
                i = 0
                while time.monotonic() < stop_at:
                    i += 1
                    data = _png(n * 1_000_000 + i, image_size)
                    try:
                        r = h.post("/v1/scans", files={"file": (f"{n}-{i}.png", data, "image/png")})
                    except httpx.HTTPError as exc:
                        with lock:
                            submissions += 1
                            no_answer.append(type(exc).__name__)
                        time.sleep(0.2)
                        continue
                    with lock:
                        submissions += 1
                        if r.status_code == 202:
                            accepted[r.json()["id"]] = hashlib.sha256(data).hexdigest()
                        else:
                            refused[str(r.status_code)] += 1
                            if not _clear_refusal(r.status_code, r.content):
                                unclear.append(f"{r.status_code} {r.text[:120]!r}")
                    if r.status_code != 202:
                        time.sleep(0.1)  # a refused client backs off briefly, as the Retry-After asks

        def faults() -> None:
            nonlocal kills, kills_mid_scan, restarts
            next_kill = t_start + kill_every if kill_every > 0 else float("inf")
            next_db = (
                t_start + db_restart_every if db_restart_every and database == "postgresql" else float("inf")
            )
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_kill:
                    killed, busy = procs.kill_worker(rng, store)
                    kills += killed
                    kills_mid_scan += busy
                    time.sleep(0.3)  # the replacement starts a moment later (like a supervisor)
                    procs.ensure_workers(workers)
                    next_kill = now + kill_every * rng.uniform(0.5, 1.5)
                if now >= next_db:
                    res = subprocess.run(list(db_restart_command), capture_output=True, timeout=120)
                    if res.returncode == 0:
                        restarts += 1
                    else:
                        notes.append(f"database restart failed: {res.stderr.decode(errors='replace')[:200]}")
                    next_db = time.monotonic() + db_restart_every  # type: ignore[operator]
                stop.wait(0.1)

        clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(concurrency)]
        injector = threading.Thread(target=faults, daemon=True)
        injector.start()
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        elapsed = time.monotonic() - t_start
        stop.set()
        injector.join()

        # Drain: the workers (all alive again) finish whatever is queued or was running when killed.
        procs.ensure_workers(workers)
        t_drain = time.monotonic()
        mine = Job.submitted_by == uploader_info.id
        pending_q = sa.select(sa.func.count()).where(mine, Job.status.in_(("queued", "running")))
        while time.monotonic() - t_drain < drain_timeout:
            try:
                with store.engine.connect() as c:
                    if not c.execute(pending_q).scalar():
                        break
            except sa.exc.OperationalError:
                pass
            procs.ensure_workers(workers)
            time.sleep(0.25)
        drain_seconds = time.monotonic() - t_drain

        with store.engine.connect() as c:
            rows = {
                r.id: r
                for r in c.execute(
                    sa.select(Job.id, Job.status, Job.error, Job.media_sha256, Job.attempts).where(mine)
                )
            }
            finals = Counter(
                (r.job_id, r.action)
                for r in c.execute(
                    sa.select(AuditEvent.job_id, AuditEvent.action).where(
                        AuditEvent.job_id.in_(list(rows)) if rows else sa.false(),
                        AuditEvent.action.in_(("scan.decision", "scan.failed")),
                    )
                )
            )
        lost = [j for j in accepted if j not in rows or rows[j].status not in ("done", "failed")]
        shas = Counter(r.media_sha256 for r in rows.values())
        duplicated = sum(n - 1 for n in shas.values() if n > 1)
        for job_id, row in rows.items():
            n_final = finals[(job_id, "scan.decision")] + finals[(job_id, "scan.failed")]
            if row.status in ("done", "failed") and n_final != 1:
                duplicated += 1
                notes.append(f"job {job_id}: {n_final} final audit records")
        for job_id, sha in accepted.items():
            if job_id in rows and rows[job_id].media_sha256 != sha:
                notes.append(f"job {job_id}: stored media differs from what was sent")
                duplicated += 1
        final_rows = [rows[j] for j in accepted if j in rows]
        failed_rows = [r for r in final_rows if r.status == "failed"]
        extra = [j for j in rows if j not in accepted]

        api_mismatch = 0
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {admin}"}) as h:
            for job_id in accepted:
                try:
                    got = h.get(f"/v1/scans/{job_id}")
                    status = got.json().get("status") if got.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    status = None
                if status not in ("done", "failed") or (job_id in rows and status != rows[job_id].status):
                    api_mismatch += 1
        chain_ok, chain_message = store.verify_audit_chain()
        if not chain_ok:
            notes.append(f"audit chain: {chain_message}")
        notes.extend(f"unclear refusal: {u}" for u in unclear[:5])
        return FaultBenchResult(
            seconds=round(elapsed, 1),
            concurrency=concurrency,
            workers=workers,
            database=database,
            submissions=submissions,
            accepted=len(accepted),
            refused=dict(refused),
            refused_unclear=len(unclear),
            no_answer=len(no_answer),
            worker_kills=kills,
            worker_kills_mid_scan=kills_mid_scan,
            db_restarts=restarts,
            done=sum(r.status == "done" for r in final_rows),
            failed=len(failed_rows),
            retried=sum(r.attempts > 1 for r in final_rows),
            failed_reasons=dict(Counter((r.error or "")[:60] for r in failed_rows)),
            failed_without_reason=sum(not (r.error or "").strip() for r in failed_rows),
            lost=len(lost),
            duplicated=duplicated,
            unacknowledged_stored=len(extra),
            api_checked=len(accepted),
            api_mismatch=api_mismatch,
            audit_chain_ok=chain_ok,
            drain_seconds=round(drain_seconds, 1),
            notes=tuple(notes),
        )
    finally:
        procs.stop()
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: run, print the JSON summary; 0 when nothing was lost, duplicated or unexplained."""
    ap = argparse.ArgumentParser(
        prog="python -m synthguard.service.faultbench", description=(__doc__ or "").split("\n")[0]
    )
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="worker processes kept running")
    ap.add_argument("--kill-every", type=float, default=3.0, help="mean seconds between SIGKILLs (0: none)")
    ap.add_argument("--db-restart-every", type=float, default=None, help="PostgreSQL only")
    ap.add_argument(
        "--db-restart-command", default=" ".join(DEFAULT_DB_RESTART), help="how to restart the database"
    )
    ap.add_argument("--database-url", default=os.environ.get("SYNTHGUARD_DATABASE_URL") or None)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--lease-seconds", type=float, default=2.0)
    ap.add_argument("--max-attempts", type=int, default=5)
    ap.add_argument("--drain-timeout", type=float, default=120.0)
    ap.add_argument("--detector", action="append", default=None, help="default: test.*")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    result = run_faultbench(
        seconds=args.seconds,
        concurrency=args.concurrency,
        workers=args.workers,
        kill_every=args.kill_every,
        db_restart_every=args.db_restart_every,
        database_url=args.database_url,
        data_dir=args.data_dir,
        image_size=args.image_size,
        lease_seconds=args.lease_seconds,
        max_attempts=args.max_attempts,
        drain_timeout=args.drain_timeout,
        detectors=args.detector or ["test.*"],
        db_restart_command=shlex.split(args.db_restart_command),
        seed=args.seed,
    )
    out = result.to_dict()
    out["load_average_1m"] = round(os.getloadavg()[0], 1)
    out["cpu_count"] = os.cpu_count()
    print(json.dumps(out, indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
