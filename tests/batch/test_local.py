"""The local engine: rows for a mixed catalogue, pool == in-process, resume, crashes, CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthguard.batch import RESULT_SCHEMA, ScanConfig, list_items, read_results, run_batch
from synthguard.batch._local import Task, _scan_task, run_local
from synthguard.batch._rows import ItemScanner
from synthguard.batch._store import ResultStore
from synthguard.batch.demo import make_image, make_mixed_folder
from synthguard.results import ScanReport

from .conftest import DETECTORS, EXPECTED_ERRORS, EXPECTED_KINDS, normalise


def _rel(root: Path, path: str) -> str:
    return Path(path).relative_to(root).as_posix()


@pytest.fixture(scope="module")
def inprocess_rows(mixed_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("inprocess")
    run_batch(mixed_folder, out, detectors=DETECTORS, workers=0)
    return read_results(out).to_pylist()


def test_one_row_per_item_with_reports_and_error_rows(
    mixed_folder: Path, inprocess_rows: list[dict[str, Any]]
) -> None:
    assert len(inprocess_rows) == 15
    for row in inprocess_rows:
        rel = _rel(mixed_folder, row["path"])
        if rel in EXPECTED_ERRORS:
            assert row["error_type"] == EXPECTED_ERRORS[rel], rel
            assert row["error_message"] and row["decision"] is None and row["report_json"] is None
            assert row["scores"] == []
            assert row["sha256"] is not None  # readable, so hashed: a re-run skips it unless it changes
            continue
        kind = next(v for k, v in EXPECTED_KINDS.items() if rel.startswith(k))
        assert row["media_kind"] == kind and row["error_type"] is None
        assert row["decision"] in ("pass", "label", "review", "block")
        report = ScanReport.from_dict(json.loads(row["report_json"]))
        assert report.sha256 == row["sha256"] and report.source == row["path"]
        assert {s["detector"] for s in row["scores"]} == {e.detector for e in report.evidence}
        assert row["detector_versions"] == "test.audio_energy=1,test.constant=1,test.image_saturation=1"
        if kind == "video":  # frames go to image detectors, the AAC track to audio ones
            assert {s["modality"] for s in row["scores"]} == {"video", "audio"}


def test_results_are_parquet_with_the_published_schema(tmp_path: Path, mixed_folder: Path) -> None:
    import pyarrow.parquet as pq

    run_batch(mixed_folder, tmp_path, detectors=["test.constant"], workers=0)
    parts = sorted(tmp_path.glob("part-*.parquet"))
    assert parts and all(
        pq.read_schema(p).remove_metadata() == RESULT_SCHEMA.remove_metadata() for p in parts
    )


def test_process_pool_gives_the_same_rows(
    tmp_path: Path, mixed_folder: Path, inprocess_rows: list[dict[str, Any]]
) -> None:
    summary = run_batch(mixed_folder, tmp_path, detectors=DETECTORS, workers=2, chunk=2)
    assert (summary.items, summary.scanned, summary.skipped, summary.errors) == (15, 15, 0, 5)
    assert normalise(read_results(tmp_path).to_pylist()) == normalise(inprocess_rows)


def test_rerun_is_idempotent_and_rescans_only_what_changed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_mixed_folder(src, images=4, videos=0, audios=1, corrupt=2, seed=1)
    out = tmp_path / "out"
    first = run_batch(src, out, detectors=DETECTORS, workers=0)
    assert (first.scanned, first.skipped) == (7, 0)
    again = run_batch(src, out, detectors=DETECTORS, workers=0)
    assert (again.scanned, again.skipped) == (0, 7)  # corrupt files stay error rows, not retried

    import numpy as np

    (src / "img/00000.png").write_bytes(make_image(np.random.default_rng(99)))  # content changed
    (src / "img/new.png").write_bytes(make_image(np.random.default_rng(98)))  # new item
    third = run_batch(src, out, detectors=DETECTORS, workers=0)
    assert (third.items, third.scanned, third.skipped) == (8, 2, 6)

    other = run_batch(src, out, detectors=["test.constant"], workers=0)  # new detector set: all again
    assert (other.scanned, other.skipped) == (8, 0)
    retried = run_batch(src, out, detectors=["test.constant"], workers=0, retry_errors=True)
    assert (retried.scanned, retried.skipped) == (2, 6)

    table = read_results(out)
    assert table.num_rows == 16  # one row per item and configuration
    assert read_results(out, dedupe=False).num_rows == 7 + 2 + 8 + 2


_KILL_SCRIPT = """
import sys, time
from synthguard.batch import run_batch
if __name__ == "__main__":
    run_batch(sys.argv[1], sys.argv[2], detectors=["test.*"], workers=1, flush_rows=3,
              progress=lambda done, total: time.sleep(0.08))
"""


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    make_mixed_folder(src, images=36, videos=1, audios=1, corrupt=2, seed=3)
    script = tmp_path / "run.py"
    script.write_text(_KILL_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(src), str(out)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("part-*.parquet"))) < 3:
            assert proc.poll() is None, "the batch finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker, mid-write or not
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = read_results(out)
    assert 9 <= partial.num_rows < 40

    resumed = run_batch(src, out, detectors=DETECTORS, workers=0)
    assert resumed.skipped == partial.num_rows and resumed.scanned == 40 - partial.num_rows
    raw = read_results(out, dedupe=False)
    assert raw.num_rows == 40 and len(set(raw["path"].to_pylist())) == 40  # nothing lost or duplicated

    clean = tmp_path / "clean"
    run_batch(src, clean, detectors=DETECTORS, workers=0)
    assert normalise(raw.to_pylist()) == normalise(read_results(clean).to_pylist())


def _crash_on_poison(task: Task) -> list[dict[str, Any] | None]:
    if any(path.endswith("poison.png") for path, _ in task):
        os._exit(3)  # what a decoder segfault looks like from the driver
    return _scan_task(task)


def test_a_worker_crash_becomes_an_error_row(tmp_path: Path) -> None:
    src = tmp_path / "src"
    paths = make_mixed_folder(src, images=5, videos=0, audios=0, corrupt=0, seed=2)
    shutil.copy(paths[0], src / "img/poison.png")
    items = list_items(src)
    config = ScanConfig.create(DETECTORS)
    store = ResultStore(tmp_path / "out")
    written, skipped = run_local(
        items, {}, store, config, ItemScanner(config), workers=2, task_fn=_crash_on_poison
    )
    assert (written, skipped) == (6, 0)
    rows = {Path(r["path"]).name: r for r in store.read().to_pylist()}
    assert rows["poison.png"]["error_type"] == "WorkerCrashError"
    assert all(r["error_type"] is None for name, r in rows.items() if name != "poison.png")
    # a crash is not the item's fault: the next run retries it
    assert "poison.png" not in {
        Path(p).name
        for p in store.done_index(
            ItemScanner(config).detector_versions, ItemScanner(config).policy_version, retry_errors=False
        )
    }


def test_cli_batch_writes_results_and_reports_summary(tmp_path: Path) -> None:
    from synthguard.cli import app

    src = tmp_path / "src"
    make_mixed_folder(src, images=2, videos=0, audios=1, corrupt=1, seed=4)
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out), "--detectors", "test.*", "--workers", "0", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert (summary["items"], summary["scanned"], summary["errors"]) == (4, 4, 1)
    again = CliRunner().invoke(app, args)
    assert json.loads(again.stdout[again.stdout.index("{") :])["skipped"] == 4
    bad = CliRunner().invoke(app, ["batch", str(src), "--out", str(out), "--detectors", "nope.*"])
    assert bad.exit_code == 2


def test_batch_and_local_engine_never_import_ray(tmp_path: Path) -> None:
    code = (
        "import sys; from synthguard.batch import run_batch; from synthguard.batch.demo import make_mixed_folder\n"
        f"make_mixed_folder({str(tmp_path / 'src')!r}, images=1, videos=0, audios=0, corrupt=0)\n"
        f"run_batch({str(tmp_path / 'src')!r}, {str(tmp_path / 'out')!r}, detectors=['test.*'], workers=0)\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_object_store_source_and_results_via_fsspec_memory(mixed_folder: Path) -> None:
    """fsspec's in-memory filesystem stands in for s3:// (same code path: url_to_fs)."""
    import fsspec

    fs = fsspec.filesystem("memory")
    files = sorted(p for p in mixed_folder.rglob("*") if p.is_file())
    fs.pipe({f"/bucket/cat/{p.relative_to(mixed_folder).as_posix()}": p.read_bytes() for p in files})
    try:
        summary = run_batch("memory://bucket/cat/", "memory://bucket/results", detectors=DETECTORS, workers=0)
        assert (summary.items, summary.scanned, summary.errors) == (15, 15, 5)
        rows = read_results("memory://bucket/results").to_pylist()
        assert all(r["path"].startswith("memory:///bucket/cat/") for r in rows)
        again = run_batch("memory://bucket/cat/", "memory://bucket/results", detectors=DETECTORS, workers=0)
        assert (again.scanned, again.skipped) == (0, 15)
    finally:
        fs.rm("/bucket", recursive=True)
