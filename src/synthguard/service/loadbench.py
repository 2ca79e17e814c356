"""Load benchmark on loopback (a script, not a test): submit small images and read the results.

Starts ``synthguard serve`` in a subprocess on a free port with a fresh data folder (SQLite, the
model-free ``test.*`` detectors unless ``--detector`` is given), then runs ``--concurrency`` client
threads for ``--seconds``. Each client loop: ``POST /v1/scans`` (a 64x64 PNG), then
``GET /v1/scans/{id}?wait=30``. Prints requests/s and latency percentiles as JSON.

    python -m synthguard.service.loadbench --seconds 20 --concurrency 8 --workers 2
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from ..store import Store, StoreConfig

__all__ = ["main"]


def _png(i: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (i % 256, (i * 7) % 256, (i * 13) % 256)).save(buf, "PNG")
    return buf.getvalue()


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def _summary(name: str, lat: list[float], seconds: float) -> dict[str, Any]:
    return {
        "requests": len(lat),
        "requests_per_s": round(len(lat) / seconds, 1),
        "p50_ms": round(1000 * (_pct(lat, 0.5) or 0), 1),
        "p95_ms": round(1000 * (_pct(lat, 0.95) or 0), 1),
        "p99_ms": round(1000 * (_pct(lat, 0.99) or 0), 1),
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else None,
        "what": name,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 on success."""
    ap = argparse.ArgumentParser(
        prog="python -m synthguard.service.loadbench", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="scan worker threads in the server")
    ap.add_argument("--read-seconds", type=float, default=5.0, help="then only GET finished results")
    ap.add_argument("--detector", action="append", default=None, help="default: test.*")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder")
    args = ap.parse_args(argv)

    home = args.data_dir or Path(tempfile.mkdtemp(prefix="sg-loadbench-"))
    store = Store(StoreConfig(data_dir=home))
    uploader = store.create_key("uploader", name="loadbench")[1]
    store.create_key("admin", name="loadbench-admin")  # so that serve prints no first key
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    detectors = args.detector or ["test.*"]
    cmd = [
        sys.executable,
        "-c",
        "import sys; from synthguard.cli import main; sys.exit(main())",
        "serve",
        "--data-dir",
        str(home),
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
    ]
    for d in detectors:
        cmd += ["--detector", d]
    env = {**os.environ, "SYNTHGUARD_RATE_LIMIT_PER_MINUTE": "0"}
    env.pop("SYNTHGUARD_DATABASE_URL", None)
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        submit_lat: list[float] = []
        result_lat: list[float] = []
        end_to_end: list[float] = []
        errors: list[str] = []
        done_ids: list[str] = []
        read_lat: list[float] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client(n: int) -> None:
            headers = {"Authorization": f"Bearer {uploader}"}
            with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
                i = 0
                while time.monotonic() < stop_at:
                    i += 1
                    t0 = time.perf_counter()
                    r = http.post("/v1/scans", files={"file": ("b.png", _png(n * 100_000 + i), "image/png")})
                    t1 = time.perf_counter()
                    if r.status_code != 202:
                        errors.append(f"submit {r.status_code}")
                        continue
                    g = http.get(f"/v1/scans/{r.json()['id']}", params={"wait": 30})
                    t2 = time.perf_counter()
                    with lock:
                        submit_lat.append(t1 - t0)
                        done_ids.append(r.json()["id"])
                        if g.status_code == 200 and g.json()["status"] == "done":
                            result_lat.append(t2 - t1)
                            end_to_end.append(t2 - t0)
                        else:
                            errors.append(f"result {g.status_code} {g.json().get('status')}")

        t_start = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t_start

        read_until = time.monotonic() + args.read_seconds

        def reader(n: int) -> None:
            with httpx.Client(
                base_url=base, timeout=60, headers={"Authorization": f"Bearer {uploader}"}
            ) as http:
                i = n
                while time.monotonic() < read_until and done_ids:
                    i += 7
                    t0 = time.perf_counter()
                    g = http.get(f"/v1/scans/{done_ids[i % len(done_ids)]}")
                    with lock:
                        (
                            read_lat.append(time.perf_counter() - t0)
                            if g.status_code == 200
                            else errors.append(f"read {g.status_code}")
                        )

        t_read = time.monotonic()
        readers = [threading.Thread(target=reader, args=(n,)) for n in range(args.concurrency)]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        read_elapsed = max(1e-9, time.monotonic() - t_read)
        out = {
            "seconds": round(elapsed, 1),
            "concurrency": args.concurrency,
            "server_workers": args.workers,
            "detectors": detectors,
            "database": "sqlite",
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 1),
            "submit": _summary("POST /v1/scans (64x64 PNG)", submit_lat, elapsed),
            "result": _summary("GET /v1/scans/{id}?wait=30 until done", result_lat, elapsed),
            "scan_end_to_end": _summary("submit + scanned result", end_to_end, elapsed),
            "read": _summary(
                "GET /v1/scans/{id} of a finished scan (read-only phase)", read_lat, read_elapsed
            ),
            "errors": len(errors),
            "first_errors": errors[:5],
        }
        print(json.dumps(out, indent=2))
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        if server.stderr:
            server.stderr.close()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
