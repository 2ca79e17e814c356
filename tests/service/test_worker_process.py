"""Crash safety: ``kill -9`` a worker process mid-scan; the job is retried and nothing accepted is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from service.svc_helpers import png
from synthguard.store import Store, StoreConfig

# A detector that takes long enough to be killed mid-scan (SLOW_SECONDS), registered by a plugin
# module the worker process imports before it starts.
PLUGIN = """
import os, time
from synthguard.detectors import Detector, DetectorCard, register_detector
from synthguard.results import Evidence

@register_detector("test.slow")
class Slow(Detector):
    card = DetectorCard(name="test.slow", version="1", modalities=("image",), description="sleeps", threshold=0.5)

    def detect(self, media):
        open(os.environ["SLOW_MARK"], "a").write("started\\n")
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
        return Evidence("test.slow", "1", "image", 0.1, 0.5)
"""

RUN = (
    "import sg_slow_plugin; from synthguard.service import load_config; "
    "from synthguard.service.worker import serve_worker; import sys; "
    "serve_worker(load_config(sys.argv[1], detectors=('test.slow',), lease_seconds=1.0, poll_seconds=0.05))"
)


def _worker(tmp_path: Path, home: Path, slow: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
        "SLOW_SECONDS": str(slow),
        "SLOW_MARK": str(tmp_path / "mark"),
    }
    env.pop("SYNTHGUARD_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(home)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_killed_worker_job_is_retried(tmp_path: Path) -> None:
    (tmp_path / "sg_slow_plugin.py").write_text(PLUGIN)
    home = tmp_path / "home"
    store = Store(StoreConfig(data_dir=home, lease_seconds=1.0, max_attempts=3))
    ids = [store.submit(png((i, i, i)), name=f"{i}.png", media_format="png").id for i in range(3)]

    victim = _worker(tmp_path, home, slow=30)
    try:
        assert _wait(lambda: (tmp_path / "mark").exists(), 60), "worker never started scanning"
        running = [j for j in ids if store.get_job(j).status == "running"]
        assert len(running) == 1
        os.kill(victim.pid, signal.SIGKILL)  # mid-scan, no clean-up
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(10)
        if victim.stderr:
            victim.stderr.close()

    survivor = _worker(tmp_path, home, slow=0)
    try:
        assert _wait(lambda: all(store.get_job(j).status == "done" for j in ids), 60), [
            (store.get_job(j).status, store.get_job(j).error) for j in ids
        ]
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(20)
        if survivor.stderr:
            survivor.stderr.close()
    assert survivor.returncode == 0
    retried = store.get_job(running[0])
    assert retried.attempts == 2 and retried.report is not None
    assert all(store.get_job(j).attempts == 1 for j in ids if j != running[0])
    assert store.verify_audit_chain()[0]
