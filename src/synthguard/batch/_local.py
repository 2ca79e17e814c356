"""The ``local`` engine: a process pool on one machine with bounded memory.

Why processes: detectors are CPU-bound numpy / onnxruntime code, and media decoding holds the GIL
in places. Memory stays bounded because the driver sends only paths (workers read the bytes),
keeps at most ``max_in_flight`` tasks queued, and flushes rows to a Parquet part every
``flush_rows`` rows or ``flush_seconds``. A worker that dies on an item (a decoder crash) breaks
the pool; the pool is rebuilt and the items that were in flight are retried one at a time, so
the culprit becomes an error row and the innocent ones are scanned normally.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import ConfigError
from ._rows import ItemScanner, ScanConfig, error_row
from ._store import ResultStore

__all__ = ["run_local"]

Task = list[tuple[str, str | None]]
Progress = Callable[[int, int], None]  # (items finished this call, rows written this call)

_WORKER: ItemScanner | None = None


def _init_worker(config: ScanConfig) -> None:
    global _WORKER
    _one_thread_per_worker()
    _WORKER = ItemScanner(config)


def _one_thread_per_worker() -> None:
    """The pool is the parallelism: N workers x N-thread libraries would oversubscribe the CPUs.

    onnxruntime sessions of the bundled detectors read ``SYNTHGUARD_ORT_THREADS`` when they are
    built (lazily, after this); BLAS / OpenMP pools are capped with threadpoolctl when present.
    """
    os.environ.setdefault("SYNTHGUARD_ORT_THREADS", "1")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _ping() -> bool:
    return _WORKER is not None


def _scan_task(task: Task) -> list[dict[str, Any] | None]:
    assert _WORKER is not None, "worker not initialised"
    return [_WORKER.process(path, done_sha256=done) for path, done in task]


def run_local(
    items: Sequence[str],
    done: dict[str, str],
    store: ResultStore,
    config: ScanConfig,
    probe: ItemScanner,
    *,
    workers: int,
    chunk: int = 1,
    max_in_flight: int | None = None,
    flush_rows: int = 256,
    flush_seconds: float = 10.0,
    progress: Progress | None = None,
    task_fn: Callable[[Task], list[dict[str, Any] | None]] | None = None,
) -> tuple[int, int]:
    """Scan ``items`` with ``workers`` processes (0: in this process) and write parts to ``store``.

    ``probe`` is the driver's ItemScanner for ``config`` (its versions label crash rows).
    ``task_fn`` replaces the function run in the workers (a picklable top-level function; tests
    use it to inject worker crashes).

    Returns:
        (rows written, items skipped because already done).
    """
    buffer: list[dict[str, Any]] = []
    written = skipped = 0
    last_flush = time.monotonic()

    def flush(force: bool = False) -> None:
        nonlocal buffer, written, last_flush
        if buffer and (force or len(buffer) >= flush_rows or time.monotonic() - last_flush >= flush_seconds):
            store.write_part(buffer)
            written += len(buffer)
            buffer = []
            last_flush = time.monotonic()

    def collect(results: list[dict[str, Any] | None]) -> None:
        nonlocal skipped
        new = [r for r in results if r is not None]
        skipped += len(results) - len(new)
        buffer.extend(new)
        flush()
        if progress:
            progress(len(results), len(new))

    size = max(1, chunk)
    tasks: deque[Task] = deque(
        [(p, done.get(p)) for p in items[i : i + size]] for i in range(0, len(items), size)
    )
    try:
        if workers <= 0:  # in this process, reusing the driver's scanner
            while tasks:
                collect([probe.process(p, done_sha256=d) for p, d in tasks.popleft()])
        else:
            versions = (probe.detector_versions, probe.policy_version)
            _run_pool(
                tasks, config, workers, max_in_flight or 2 * workers, collect, versions, task_fn or _scan_task
            )
    finally:
        flush(force=True)  # on Ctrl-C or an engine error, keep what was finished
    return written, skipped


def _run_pool(
    tasks: deque[Task],
    config: ScanConfig,
    workers: int,
    max_in_flight: int,
    collect: Callable[[list[dict[str, Any] | None]], None],
    versions: tuple[str, str],
    task_fn: Callable[[Task], list[dict[str, Any] | None]],
) -> None:
    # spawn, not fork: the driver may hold threads (progress bar) or a Ray connection.
    ctx = multiprocessing.get_context("spawn")
    suspects: deque[tuple[str, str | None]] = deque()  # items in flight when a worker died
    while tasks or suspects:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(config,)
        )
        in_flight: dict[Future[list[dict[str, Any] | None]], Task] = {}
        try:
            _check_pool(pool)
            # Suspects go one at a time, alone in the pool, so a crash names its culprit.
            while suspects:
                item = suspects.popleft()
                try:
                    collect(pool.submit(task_fn, [item]).result())
                except BrokenProcessPool:
                    collect(
                        [
                            error_row(
                                item[0],
                                None,
                                None,
                                ("WorkerCrashError", f"{item[0]}: the worker process died while scanning it"),
                                *versions,
                            )
                        ]
                    )
                    raise
            while tasks or in_flight:
                while tasks and len(in_flight) < max_in_flight:
                    task = tasks.popleft()
                    in_flight[pool.submit(task_fn, task)] = task
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    results = fut.result()  # raises BrokenProcessPool while the task is still in flight
                    del in_flight[fut]
                    collect(results)
        except BrokenProcessPool:
            for task in in_flight.values():
                suspects.extend(task)
            in_flight.clear()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _check_pool(pool: ProcessPoolExecutor) -> None:
    """Fail the batch (not the items) when worker processes cannot even start."""
    try:
        pool.submit(_ping).result()
    except BrokenProcessPool as exc:
        pool.shutdown(wait=False, cancel_futures=True)
        raise ConfigError(
            "batch worker processes failed to start (see their traceback above); a script run with "
            "workers > 0 must be a file guarded by `if __name__ == '__main__':`"
        ) from exc
