"""The ``ray`` engine: Ray Data reads the files, actors scan them, Parquet is written in parallel.

The only module of synthguard that imports Ray, and only when the engine is used. The pipeline is
the standard Ray Data batch-inference shape::

    read_binary_files(paths) -> map_batches(ScanActor, concurrency=N) -> write_parquet(staging)

``ScanActor`` builds the :class:`~synthguard.pipeline.Scanner` once per actor (models load once)
and turns each item into the same row the local engine writes. ``ray.init()`` connects to the
cluster named by ``RAY_ADDRESS`` when it is set, else starts Ray on this machine.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError
from ._rows import ItemScanner, ScanConfig, rows_to_table
from ._sources import is_url
from ._store import ResultStore

__all__ = ["ScanActor", "run_ray"]


class ScanActor:
    """The ``map_batches`` callable class: one Scanner per actor, one result row per input row.

    Args:
        config: what to scan with.
        done: ``{path: sha256}`` of items already done (skipped when their content is unchanged).
        prefix: put in front of the paths Ray reports (``s3://`` for object stores, whose paths
            Ray returns without the scheme) to get canonical item paths.
    """

    def __init__(self, config: ScanConfig, done: dict[str, str], prefix: str = "") -> None:
        os.environ.setdefault("SYNTHGUARD_ORT_THREADS", "1")  # one CPU per actor (Ray sets OMP itself)
        self.worker = ItemScanner(config)
        self.done = done
        self.prefix = prefix

    def __call__(self, batch: Any) -> Any:
        paths = batch["path"].to_pylist()
        blobs = batch["bytes"].to_pylist()
        rows = []
        for path, data in zip(paths, blobs, strict=True):
            item = self.prefix + path
            row = self.worker.process(item, data=data, done_sha256=self.done.get(item))
            if row is not None:
                rows.append(row)
        return rows_to_table(rows)


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("the ray engine needs Ray: pip install 'synthguard[ray]'") from exc
    return ray


def ensure_ray(num_cpus: int | None = None) -> Any:
    """Connect to Ray: an existing connection, the cluster in ``RAY_ADDRESS``, or a local Ray."""
    ray = _ray()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
        }
        if not os.environ.get("RAY_ADDRESS") and num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)  # reads RAY_ADDRESS itself
    return ray


def _filesystem(items: Sequence[str]) -> tuple[list[str], Any, str]:
    """Ray-readable paths, the pyarrow filesystem to read them with, and the prefix to undo."""
    urls = [p for p in items if is_url(p)]
    if not urls:
        return list(items), None, ""
    schemes = {p.split("://", 1)[0] for p in items}
    if len(urls) != len(items) or len(schemes) != 1:
        raise ConfigError("the ray engine reads one kind of source per run (all local or one URL scheme)")
    import fsspec
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    scheme = schemes.pop()
    fs, _ = fsspec.core.url_to_fs(items[0])
    stripped = [fs._strip_protocol(p) for p in items]
    prefix = items[0][: len(items[0]) - len(stripped[0])]
    if any(prefix + s != p for s, p in zip(stripped, items, strict=True)):
        raise ConfigError(f"cannot map {scheme}:// paths for Ray")
    return stripped, PyFileSystem(FSSpecHandler(fs)), prefix


def run_ray(
    items: Sequence[str],
    done: dict[str, str],
    store: ResultStore,
    config: ScanConfig,
    *,
    workers: int | None = None,
    batch_size: int = 8,
) -> tuple[int, int]:
    """Scan ``items`` on Ray and add the results to ``store``.

    Args:
        workers: number of scanning actors (default: the cluster's CPU count).
        batch_size: items per ``map_batches`` call (small: media items are large and slow).

    Returns:
        (rows written, items skipped because already done).
    """
    ray = ensure_ray(num_cpus=workers)
    if not items:
        return 0, 0
    paths, filesystem, prefix = _filesystem(items)
    actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = bool(os.environ.get("SYNTHGUARD_RAY_PROGRESS"))
    ctx.execution_options.preserve_order = False
    ds = ray.data.read_binary_files(
        paths,
        include_paths=True,
        filesystem=filesystem,
        ignore_missing_paths=True,
        override_num_blocks=max(1, min(len(paths), actors * 4)),
        num_cpus=0,  # I/O: a CPU per read task would starve the actors on a small node (deadlock)
    )
    results = ds.map_batches(
        ScanActor,
        fn_constructor_kwargs={"config": config, "done": done, "prefix": prefix},
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=1,
    )
    staging = store.staging_dir()
    # try_create_dir=False: staging_dir() made it; else Ray deletes it after writing 0 rows, which
    # fails on object stores (no real folders).
    results.write_parquet(
        staging, filesystem=_store_fs(store), try_create_dir=False, ray_remote_args={"num_cpus": 0}
    )
    staged = _staged_paths(store, staging)
    store.adopt_staging()
    # Items Ray produced no row for and that were not done before: files that vanished or could
    # not be read. Scan them here, through the same code, so they get the local engine's error row.
    leftover = [p for p in items if p not in staged and p not in done]
    if leftover:
        probe = ItemScanner(config)
        store.write_part([r for r in (probe.process(p) for p in leftover) if r is not None])
    return len(staged) + len(leftover), len(items) - len(staged) - len(leftover)


def _store_fs(store: ResultStore) -> Any:
    from fsspec.implementations.local import LocalFileSystem

    if isinstance(store.fs, LocalFileSystem):
        return None
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    return PyFileSystem(FSSpecHandler(store.fs))


def _staged_paths(store: ResultStore, staging: str) -> set[str]:
    import pyarrow.parquet as pq

    paths: set[str] = set()
    store.fs.invalidate_cache(staging)
    for path in store.fs.find(staging):
        if path.endswith(".parquet"):
            with store.fs.open(path, "rb") as fh:
                paths.update(pq.read_table(fh, columns=["path"])["path"].to_pylist())
    return paths
