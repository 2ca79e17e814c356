"""RESULTS: a folder of Parquet part files, each written whole or not at all.

Why parts: a run that is killed must never leave a half-written file that breaks the next read,
and a re-run must be able to add rows without rewriting old ones. Each part is written to a
hidden temporary name and then renamed (atomic on a local or shared POSIX filesystem; an object
store PUT is atomic by itself). Readers take every ``part-*.parquet``, drop invalid ones, and
keep the newest row per :data:`~synthguard.batch._rows.ROW_KEY`, so a row written twice (a crash
between two writes of the same item) is never counted twice.

The Ray engine writes with ``Dataset.write_parquet`` into ``_staging/<run id>/``; the driver moves
finished files into parts when the run ends, and a later run first salvages the complete files a
killed run left there.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import ConfigError
from ._rows import RESULT_SCHEMA, ROW_KEY, is_media_error, rows_to_table
from ._sources import is_url

__all__ = ["ResultStore", "read_results"]

PART_PREFIX = "part-"
STAGING = "_staging"


class ResultStore:
    """The RESULTS folder (local path or fsspec URL) of one batch, shared by runs over time.

    One run at a time may write to a RESULTS folder.
    """

    def __init__(self, out: str | os.PathLike[str], *, create: bool = True) -> None:
        self.url = os.fspath(out)
        if is_url(self.url):
            import fsspec

            self.fs, root = fsspec.core.url_to_fs(self.url)
        else:
            from fsspec.implementations.local import LocalFileSystem

            self.fs = LocalFileSystem()
            root = str(Path(self.url).resolve())
            if Path(root).exists() and not Path(root).is_dir():
                raise ConfigError(f"--out {out}: exists and is not a folder (RESULTS is a folder of parts)")
        self.root: str = root.rstrip("/")
        if create:
            self.fs.makedirs(self.root, exist_ok=True)
        elif not self.fs.isdir(self.root):
            raise ConfigError(f"{out}: no such RESULTS folder")
        self._seq = 0
        self.run_id = uuid.uuid4().hex[:12]

    # ---- writing -------------------------------------------------------------------------------
    def write_part(self, rows: Sequence[dict[str, Any]]) -> str | None:
        """Write rows as one new part, atomically; returns its path (None for no rows)."""
        if not rows:
            return None
        self._seq += 1
        name = f"{PART_PREFIX}{self.run_id}-{self._seq:06d}.parquet"
        final = posixpath.join(self.root, name)
        tmp = posixpath.join(self.root, f".tmp-{name}")
        with self.fs.open(tmp, "wb") as fh:
            pq.write_table(rows_to_table(rows), fh, compression="zstd")
        self.fs.mv(tmp, final)
        return final

    def staging_dir(self) -> str:
        """A fresh folder for an engine that writes its own Parquet files (Ray)."""
        path = posixpath.join(self.root, STAGING, self.run_id)
        self.fs.makedirs(path, exist_ok=True)
        return path

    def adopt_staging(self) -> tuple[int, int]:
        """Move complete Parquet files from every staging folder into parts; delete the rest.

        Returns (files adopted, files dropped as incomplete). Called at the end of a Ray run and
        at the start of every run, which salvages what a killed run had finished.
        """
        base = posixpath.join(self.root, STAGING)
        adopted = dropped = 0
        self.fs.invalidate_cache(self.root)  # other processes (Ray workers) wrote here
        if not self.fs.exists(base):
            return 0, 0
        for path in sorted(p for p in self.fs.find(base) if not posixpath.basename(p).startswith(".")):
            if path.endswith(".parquet") and _readable(self.fs, path):
                self._seq += 1
                stem = posixpath.basename(path)[: -len(".parquet")]
                target = posixpath.join(
                    self.root, f"{PART_PREFIX}{self.run_id}-{self._seq:06d}-{stem}.parquet"
                )
                self.fs.mv(path, target)
                adopted += 1
            else:
                self.fs.rm(path)
                dropped += 1
        with contextlib.suppress(FileNotFoundError):  # object stores: gone with its last file
            self.fs.rm(base, recursive=True)
        return adopted, dropped

    def clean_temporaries(self) -> int:
        """Remove ``.tmp-*`` files a killed run left behind; returns how many."""
        tmps = [p for p in self._ls() if posixpath.basename(p).startswith(".tmp-")]
        for p in tmps:
            self.fs.rm(p)
        return len(tmps)

    def _ls(self) -> list[str]:
        """Entries of the root; an object store has no empty folders, so "missing" = empty."""
        self.fs.invalidate_cache(self.root)
        try:
            return list(self.fs.ls(self.root, detail=False))
        except FileNotFoundError:
            return []

    # ---- reading -------------------------------------------------------------------------------
    def parts(self) -> list[str]:
        return sorted(
            p for p in self._ls() if posixpath.basename(p).startswith(PART_PREFIX) and p.endswith(".parquet")
        )

    def iter_tables(self, columns: Sequence[str] | None = None) -> Iterator[pa.Table]:
        for part in self.parts():
            try:
                with self.fs.open(part, "rb") as fh:
                    table = pq.read_table(fh, columns=list(columns) if columns else None)
            except (pa.ArrowInvalid, OSError):  # a foreign or damaged file: never fail the read
                continue
            yield table

    def read(self, columns: Sequence[str] | None = None, *, dedupe: bool = True) -> pa.Table:
        """Every result row (newest per item and configuration when ``dedupe``)."""
        wanted = list(columns) if columns else None
        read_cols = None if wanted is None else list(dict.fromkeys([*ROW_KEY, "scanned_at", *wanted]))
        tables = [t.select(read_cols) if read_cols else t for t in self.iter_tables(read_cols)]
        schema = (
            RESULT_SCHEMA if read_cols is None else pa.schema([RESULT_SCHEMA.field(c) for c in read_cols])
        )
        table = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
        if dedupe and table.num_rows:
            table = _newest_per_key(table)
        return table.select(wanted) if wanted else table

    def done_index(
        self, detector_versions: str, policy_version: str, *, retry_errors: bool
    ) -> dict[str, str]:
        """``{path: sha256}`` of items already done with this configuration.

        Done = a report, or an error row of a bad item (a MediaError with a known sha256). Other
        errors (a crashed worker, a bug) are retried on the next run; ``retry_errors`` retries all.
        """
        table = self.read(["path", "sha256", "detector_versions", "policy_version", "error_type"])
        mask = pc.and_(
            pc.equal(table["detector_versions"], detector_versions),
            pc.equal(table["policy_version"], policy_version),
        )
        table = table.filter(mask)
        done: dict[str, str] = {}
        for path, sha, err in zip(
            table["path"].to_pylist(),
            table["sha256"].to_pylist(),
            table["error_type"].to_pylist(),
            strict=True,
        ):
            if sha is None:
                continue
            if err is not None and (retry_errors or not is_media_error(err)):
                continue
            done[path] = sha
        return done


def _readable(fs: Any, path: str) -> bool:
    try:
        with fs.open(path, "rb") as fh:
            pq.read_metadata(fh)
    except (pa.ArrowInvalid, OSError):
        return False
    return True


def _newest_per_key(table: pa.Table) -> pa.Table:
    """Keep one row per ROW_KEY: the latest ``scanned_at`` (ties: the later part)."""
    indexed = table.append_column("__i", pa.array(range(table.num_rows), pa.int64()))
    order = indexed.sort_by([("scanned_at", "ascending"), ("__i", "ascending")])
    order = order.append_column("__rank", pa.array(range(order.num_rows), pa.int64()))
    keep = order.group_by(list(ROW_KEY), use_threads=False).aggregate([("__rank", "max")])
    ranks = pc.sort_indices(keep["__rank_max"])
    chosen = pc.take(keep["__rank_max"], ranks)
    result = order.take(chosen).drop_columns(["__i", "__rank"])
    return result.sort_by([("path", "ascending")])


def read_results(out: str | os.PathLike[str], *, dedupe: bool = True) -> pa.Table:
    """Read a RESULTS folder as one table with :data:`RESULT_SCHEMA`, one row per item and config.

    Example:
        >>> from synthguard.batch import read_results
        >>> t = read_results("var/batch/results")  # doctest: +SKIP
        >>> t.num_rows, t.column_names[:3]  # doctest: +SKIP
        (120, ['path', 'sha256', 'size_bytes'])

    Raises:
        ConfigError: ``out`` does not exist.
    """
    return ResultStore(out, create=False).read(dedupe=dedupe)
