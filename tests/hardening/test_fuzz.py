"""Run each atheris harness in fuzz/ for a bounded time; a crash fails the test with its input.

Longer runs: ``scripts/fuzz.sh 3600``. Crashes found become regression cases in hostilemedia.py.
The libFuzzer seed is fixed (``SYNTHGUARD_FUZZ_SEED``, default 1) so a CI run explores the same
inputs in the same order; exploring further is what the long runs are for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESSES = sorted((ROOT / "fuzz").glob("fuzz_*.py"))
SECONDS = int(os.environ.get("SYNTHGUARD_FUZZ_SECONDS", "20"))
SEED = int(os.environ.get("SYNTHGUARD_FUZZ_SEED", "1"))


@pytest.mark.slow
@pytest.mark.parametrize("harness", HARNESSES, ids=[h.stem for h in HARNESSES])
def test_fuzz_harness(harness: Path, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    subprocess.run([sys.executable, str(ROOT / "fuzz" / "seed.py"), str(tmp_path / "seeds")], check=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = tmp_path / "seeds" / harness.stem.removeprefix("fuzz_")
    args = [
        sys.executable,
        str(harness),
        f"-max_total_time={SECONDS}",
        f"-seed={SEED}",
        "-rss_limit_mb=2048",
        "-timeout=20",
        f"-artifact_prefix={tmp_path}/",
        str(corpus),
    ]
    if seeds.is_dir():
        args.append(str(seeds))
    proc = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS * 4 + 120)
    crashes = list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*")) + list(tmp_path.glob("oom-*"))
    assert proc.returncode == 0 and not crashes, (crashes, proc.stderr[-3000:])
