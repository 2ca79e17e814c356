"""RESULTS store: atomic parts, salvage of a killed Ray run's staging files, dedupe on read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from synthguard.batch._rows import error_row, rows_to_table
from synthguard.batch._store import ResultStore


def _row(
    path: str,
    sha: str = "ab",
    scanned_at: str = "2026-01-01T00:00:00.000+00:00",
    error: str = "CorruptMediaError",
    versions: str = "test.constant=1",
) -> dict[str, Any]:
    row = error_row(path, sha, 3, (error, "bad"), versions, "p1")
    row["scanned_at"] = scanned_at
    return row


def test_parts_are_written_whole_and_leave_no_temporaries(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_part([_row("/a"), _row("/b")])
    assert store.write_part([]) is None
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 1 and names[0].startswith("part-") and names[0].endswith(".parquet")
    assert store.read().num_rows == 2


def test_damaged_and_foreign_files_are_ignored(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_part([_row("/a")])
    (tmp_path / "part-zzz-torn.parquet").write_bytes(b"PAR1 truncated")
    (tmp_path / ".tmp-part-x.parquet").write_bytes(b"half")
    (tmp_path / "notes.txt").write_text("hello")
    assert store.read()["path"].to_pylist() == ["/a"]
    assert store.clean_temporaries() == 1 and not (tmp_path / ".tmp-part-x.parquet").exists()


def test_staging_files_of_a_killed_run_are_salvaged(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    staging = Path(store.staging_dir())
    pq.write_table(rows_to_table([_row("/done1"), _row("/done2")]), staging / "w1_000000.parquet")
    (staging / "w1_000001.parquet").write_bytes(b"PAR1\x00\x01 cut off mid-write")
    adopted, dropped = ResultStore(tmp_path).adopt_staging()
    assert (adopted, dropped) == (1, 1)
    assert not (tmp_path / "_staging").exists()
    assert sorted(ResultStore(tmp_path).read()["path"].to_pylist()) == ["/done1", "/done2"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # the same item written twice: the newer row wins
        (
            [
                _row("/a", scanned_at="2026-01-01T00:00:01.000+00:00", error="X"),
                _row("/a", scanned_at="2026-01-01T00:00:02.000+00:00", error="Y"),
            ],
            {("/a", "Y")},
        ),
        # changed content at the same path: still one row, the newer
        (
            [
                _row("/a", sha="1", scanned_at="2026-01-02T00:00:00.000+00:00", error="NEW"),
                _row("/a", sha="2", scanned_at="2026-01-01T00:00:00.000+00:00", error="OLD"),
            ],
            {("/a", "NEW")},
        ),
        # another detector configuration is another row
        ([_row("/a", error="X"), _row("/a", error="Y", versions="test.other=2")], {("/a", "X"), ("/a", "Y")}),
    ],
)
def test_read_keeps_the_newest_row_per_item_and_configuration(
    tmp_path: Path, rows: list[dict[str, Any]], expected: set[tuple[str, str]]
) -> None:
    store = ResultStore(tmp_path)
    for row in rows:  # one part each, as separate runs would write them
        store.write_part([row])
    table = store.read()
    assert set(zip(table["path"].to_pylist(), table["error_type"].to_pylist(), strict=True)) == expected
    assert store.read(dedupe=False).num_rows == len(rows)


@pytest.mark.parametrize(
    ("error", "retry_errors", "done"),
    [
        ("CorruptMediaError", False, True),
        ("CorruptMediaError", True, False),
        ("WorkerCrashError", False, False),
        (None, False, True),
        (None, True, True),
    ],
)
def test_done_index_retries_only_what_may_succeed(
    tmp_path: Path, error: str | None, retry_errors: bool, done: bool
) -> None:
    store = ResultStore(tmp_path)
    row = _row("/a", error=error or "X")
    if error is None:
        row["error_type"] = row["error_message"] = None
    store.write_part([row])
    assert ("/a" in store.done_index("test.constant=1", "p1", retry_errors=retry_errors)) is done
    assert store.done_index("test.constant=2", "p1", retry_errors=False) == {}


def test_memory_filesystem_results(tmp_path: Path) -> None:
    import fsspec

    store = ResultStore("memory://results-test")
    try:
        store.write_part([_row("/a")])
        assert ResultStore("memory://results-test").read()["path"].to_pylist() == ["/a"]
    finally:
        fsspec.filesystem("memory").rm("/results-test", recursive=True)


def test_a_run_adopts_what_a_killed_ray_run_finished(tmp_path: Path) -> None:
    from synthguard.batch import ScanConfig, list_items, run_batch
    from synthguard.batch._rows import ItemScanner
    from synthguard.batch.demo import make_mixed_folder

    src, out = tmp_path / "src", tmp_path / "out"
    make_mixed_folder(src, images=4, videos=0, audios=0, corrupt=1, seed=5)
    items = list_items(src)
    worker = ItemScanner(ScanConfig.create(["test.*"]))
    staging = Path(ResultStore(out).staging_dir())  # as the killed run left it
    pq.write_table(rows_to_table([worker.process(p) for p in items[:2]]), staging / "done_000000.parquet")
    (staging / "torn_000001.parquet").write_bytes(b"PAR1 half a file")
    summary = run_batch(src, out, detectors=["test.*"], workers=0)
    assert (summary.salvaged, summary.skipped, summary.scanned) == (1, 2, 3)
    raw = ResultStore(out).read(dedupe=False)
    assert sorted(raw["path"].to_pylist()) == items


def test_reading_a_missing_results_folder_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    from synthguard.batch import read_results
    from synthguard.errors import ConfigError

    with pytest.raises(ConfigError):
        read_results(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()
