"""Batch scanning: one call from a folder, list file or object-store prefix to Parquet results.

Re-scanning a back catalogue when a detector or the rules change is the same
:meth:`~synthguard.pipeline.Scanner.scan` call on many items. Two engines run it:

* ``local`` (default): a process pool on this machine, bounded memory, progress callback.
* ``ray``: Ray Data (``read_binary_files -> map_batches(ScanActor) -> write_parquet``), on a
  local Ray or the cluster in ``RAY_ADDRESS``. Only :mod:`synthguard.batch._ray` imports Ray.

Runs are resumable and idempotent: RESULTS is a folder of atomically written Parquet parts, an
item already done with the same detector and policy versions (and unchanged sha256) is skipped,
and a bad file becomes an error row, never a failed batch.

Example:
    >>> from synthguard.batch import run_batch, read_results
    >>> summary = run_batch("var/batch/demo", "var/batch/results", detectors=["test.*"])  # doctest: +SKIP
    >>> summary.items, summary.errors  # doctest: +SKIP
    (12, 2)
    >>> read_results("var/batch/results").to_pandas()[["path", "decision"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError
from ._import import ImportSummary, record_results
from ._rows import RESULT_SCHEMA, ROW_KEY, ItemScanner, ScanConfig
from ._sources import list_items, read_item
from ._store import ResultStore, read_results

__all__ = [
    "RESULT_SCHEMA",
    "ROW_KEY",
    "BatchSummary",
    "ImportSummary",
    "ScanConfig",
    "list_items",
    "read_item",
    "read_results",
    "record_results",
    "run_batch",
]

Engine = Literal["local", "ray"]


@dataclass(frozen=True)
class BatchSummary:
    """What one ``run_batch`` call did, and the state of RESULTS for its configuration.

    Attributes:
        items: items found in SOURCE.
        scanned: rows written by this run (reports and error rows).
        skipped: items already done before this run (same sha256 and versions).
        errors: items of SOURCE whose current row is an error row.
        decisions: count of current rows per verdict decision.
        seconds / items_per_second: wall time of the scanning stage (listing excluded).
        salvaged: complete files adopted from a killed Ray run's staging folder.
    """

    source: str
    out: str
    engine: str
    workers: int
    detector_versions: str
    policy_version: str
    items: int
    scanned: int
    skipped: int
    errors: int
    decisions: dict[str, int] = field(default_factory=dict)
    error_types: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    salvaged: int = 0

    @property
    def items_per_second(self) -> float:
        return self.scanned / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": self.out,
            "engine": self.engine,
            "workers": self.workers,
            "detector_versions": self.detector_versions,
            "policy_version": self.policy_version,
            "items": self.items,
            "scanned": self.scanned,
            "skipped": self.skipped,
            "errors": self.errors,
            "decisions": dict(self.decisions),
            "error_types": dict(self.error_types),
            "seconds": self.seconds,
            "items_per_second": self.items_per_second,
            "salvaged": self.salvaged,
        }


def run_batch(
    source: str | os.PathLike[str] | Sequence[str],
    out: str | os.PathLike[str],
    *,
    engine: Engine = "local",
    detectors: Sequence[str] | None = None,
    workers: int | None = None,
    detector_options: dict[str, dict[str, Any]] | None = None,
    read_provenance: bool = True,
    retry_errors: bool = False,
    chunk: int = 1,
    flush_rows: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Scan every item of ``source`` that is not already in ``out`` and add its row there.

    Args:
        source: folder, list file or fsspec URL (see :func:`list_items`), or a list of item paths.
        out: RESULTS folder (local path or fsspec URL); created if missing, reused across runs.
        engine: ``"local"`` (process pool) or ``"ray"``.
        detectors: names or glob patterns (default every production detector).
        workers: processes (local; 0 = in this process; default the CPU count) or Ray actors.
        retry_errors: rescan items whose row is an error (by default only non-media errors, e.g.
            a crashed worker, are retried; a corrupt file stays an error row).
        chunk: items per task sent to a local worker (raise for many tiny items).
        flush_rows: rows per Parquet part written by the local engine.
        progress: ``progress(finished, total)`` after each finished item (local engine).

    Raises:
        ConfigError: bad source, output or engine; UnknownDetectorError: no such detector.
    """
    config = ScanConfig.create(detectors, detector_options, read_provenance)
    probe = ItemScanner(config)  # fails fast on unknown detectors, before any worker starts
    if isinstance(source, str | os.PathLike):
        src_label = os.fspath(source)
        items = list_items(source)
    else:
        src_label = f"<{len(source)} items>"
        items = sorted(set(source))
    store = ResultStore(out)
    store.clean_temporaries()
    salvaged, _ = store.adopt_staging()
    done = store.done_index(probe.detector_versions, probe.policy_version, retry_errors=retry_errors)
    n_workers = (os.cpu_count() or 1) if workers is None else workers

    t0 = time.perf_counter()
    if engine == "local":
        from ._local import run_local

        finished = 0

        def tick(n: int, _written: int) -> None:
            nonlocal finished
            finished += n
            if progress:
                progress(finished, len(items))

        scanned, skipped = run_local(
            items,
            done,
            store,
            config,
            probe,
            workers=n_workers,
            chunk=chunk,
            flush_rows=flush_rows,
            progress=tick,
        )
    elif engine == "ray":
        from ._ray import run_ray

        scanned, skipped = run_ray(items, done, store, config, workers=workers or None)
        if progress:
            progress(len(items), len(items))
    else:
        raise ConfigError(f"unknown engine {engine!r}; use 'local' or 'ray'")
    seconds = time.perf_counter() - t0

    decisions, error_types = _current_state(store, items, probe)
    return BatchSummary(
        source=src_label,
        out=os.fspath(out),
        engine=engine,
        workers=n_workers,
        detector_versions=probe.detector_versions,
        policy_version=probe.policy_version,
        items=len(items),
        scanned=scanned,
        skipped=skipped,
        errors=sum(error_types.values()),
        decisions=decisions,
        error_types=error_types,
        seconds=seconds,
        salvaged=salvaged,
    )


def _current_state(
    store: ResultStore, items: Sequence[str], probe: ItemScanner
) -> tuple[dict[str, int], dict[str, int]]:
    table = store.read(["path", "detector_versions", "policy_version", "decision", "error_type"])
    mask = pc.and_(
        pc.and_(
            pc.equal(table["detector_versions"], probe.detector_versions),
            pc.equal(table["policy_version"], probe.policy_version),
        ),
        pc.is_in(table["path"], value_set=pa.array(list(items), pa.string())),
    )
    table = table.filter(mask)
    decisions = Counter(d for d in table["decision"].to_pylist() if d is not None)
    errors = Counter(e for e in table["error_type"].to_pylist() if e is not None)
    return dict(sorted(decisions.items())), dict(sorted(errors.items()))
