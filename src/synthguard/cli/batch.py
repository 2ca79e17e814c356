"""``synthguard batch``: scan a folder, list file or object-store prefix into Parquet results."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = ["register"]


def batch(
    source: Annotated[
        str, typer.Argument(help="Folder, list file (one path/URL per line) or URL prefix (s3://...).")
    ],
    out: Annotated[
        str, typer.Option("--out", "-o", help="RESULTS folder of Parquet parts (created, reused).")
    ],
    engine: Annotated[
        str, typer.Option(help="local (process pool) or ray (Ray Data; RAY_ADDRESS for a cluster).")
    ] = "local",
    detectors: Annotated[
        list[str] | None, typer.Option("--detectors", "-d", help="Detector names or globs (repeatable).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes (local; 0 = in this process) or Ray actors. Default: CPU count."),
    ] = None,
    retry_errors: Annotated[
        bool, typer.Option("--retry-errors", help="Rescan items whose row is an error.")
    ] = False,
    chunk: Annotated[int, typer.Option(help="Items per task sent to a local worker.")] = 1,
    no_provenance: Annotated[
        bool, typer.Option("--no-provenance", help="Skip reading AIGC/C2PA/IPTC labels.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    to_store: Annotated[
        bool,
        typer.Option(
            "--to-store",
            help="Also record the results as jobs in the service database (review queue, reports).",
        ),
    ] = False,
    data_dir: Annotated[
        str | None, typer.Option(help="Service data folder for --to-store (default: SYNTHGUARD_HOME).")
    ] = None,
) -> None:
    """Scan every item of SOURCE not already in RESULTS; resumable, one Parquet row per item.

    Example: synthguard batch ./catalogue --out var/batch/results --detectors 'test.*' --workers 2
    """
    from ..batch import run_batch
    from ..errors import SynthguardError

    console = Console(stderr=True)
    if engine not in ("local", "ray"):
        raise typer.BadParameter("use 'local' or 'ray'", param_hint="--engine")
    columns = (
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=as_json, disable=engine == "ray") as bar:
        task = bar.add_task("scan", total=None)

        def progress(finished: int, total: int) -> None:
            bar.update(task, completed=finished, total=total)

        try:
            summary = run_batch(
                source,
                out,
                engine="ray" if engine == "ray" else "local",
                detectors=detectors or None,
                workers=workers,
                retry_errors=retry_errors,
                chunk=chunk,
                read_provenance=not no_provenance,
                progress=progress,
            )
        except SynthguardError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    imported = _record(out, data_dir, console) if to_store else None
    if as_json:
        typer.echo(json.dumps({**summary.to_dict(), "store": vars(imported) if imported else None}, indent=2))
        return
    table = Table(title=f"batch {summary.source} -> {summary.out}", show_header=False)
    table.add_row("engine / workers", f"{summary.engine} / {summary.workers}")
    table.add_row("detectors", summary.detector_versions)
    table.add_row("policy", summary.policy_version)
    table.add_row("items", str(summary.items))
    table.add_row("scanned this run", f"{summary.scanned} ({summary.items_per_second:.2f} items/s)")
    table.add_row("skipped (already done)", str(summary.skipped))
    table.add_row("decisions", ", ".join(f"{k}: {v}" for k, v in summary.decisions.items()) or "-")
    table.add_row("errors", ", ".join(f"{k}: {v}" for k, v in summary.error_types.items()) or "none")
    if imported is not None:
        table.add_row("service store", f"{imported.recorded} recorded, {imported.already} already there")
    Console().print(table)


def _record(out: str, data_dir: str | None, console: Console) -> Any:
    """Record the RESULTS rows in the service store (SQLite by default, or SYNTHGUARD_DATABASE_URL)."""
    from ..batch import record_results
    from ..errors import SynthguardError
    from ..service.config import load_config
    from ..store import Store

    try:
        store = Store(load_config(data_dir).store)
    except SynthguardError as exc:
        console.print(f"[red]error:[/red] cannot open the service store: {exc}")
        raise typer.Exit(2) from exc
    try:
        return record_results(out, store)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    """Add ``synthguard batch`` to the CLI."""
    app.command("batch")(batch)
