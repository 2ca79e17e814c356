"""``synthguard assess``: draft the security assessment report from the questionnaire and the records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..errors import SynthguardError

_COLOURS = {"red": "red", "amber": "yellow", "green": "green"}


def assess_command(
    questionnaire: Annotated[
        Path, typer.Option("--questionnaire", "-q", help="The operator's YAML answers.")
    ],
    date_from: Annotated[str, typer.Option("--from", help="First day of the period, YYYY-MM-DD (UTC).")],
    date_to: Annotated[str, typer.Option("--to", help="Last day of the period, YYYY-MM-DD (inclusive).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for assessment.html/.pdf/.json/.sha256.")],
    database: Annotated[
        str | None,
        typer.Option("--database", help="Store URL (default: SYNTHGUARD_DATABASE_URL / SYNTHGUARD_HOME)."),
    ] = None,
    bench_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--bench-dir", help="Folder(s) with bench report.json (default var/bench, docs/benchmarks)."
        ),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="Draft even with unanswered questions (those items are red)."),
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF.")] = True,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the files' sha256 in the audit log.")
    ] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Seed a fresh demo store under OUT/demo-store for the period and use it."
        ),
    ] = False,
) -> None:
    """Build the assessment report (HTML, PDF, JSON twin) for a period."""
    from ..assess import (
        Period,
        StoreFacts,
        build_report,
        load_questionnaire,
        record_report_hashes,
        write_report,
    )
    from ..store import Store, StoreConfig

    console = Console(stderr=True)
    try:
        period = Period.parse(date_from, date_to)
        q = load_questionnaire(questionnaire, allow_missing=allow_missing)
        if demo:
            from ..assess.demo import seed_demo_store

            store = Store(StoreConfig(data_dir=out / "demo-store"))
            if store.stats()["total"] == 0:
                seed_demo_store(store, end=period.end, days=min(period.days, 120))
                console.print(f"seeded demo records in {out / 'demo-store'}")
        else:
            config = StoreConfig.from_env(database_url=database)
            if config.url.startswith("sqlite") and not Path(config.url.split("///", 1)[-1]).is_file():
                raise SynthguardError(
                    f"no database at {config.url}; pass --database URL or set SYNTHGUARD_HOME"
                )
            store = Store(config)
        try:
            a = build_report(q, StoreFacts(store), period, bench_dir)
            paths = write_report(a, out, pdf=pdf)
            if record:
                rid = record_report_hashes(store, a, paths)
                console.print(f"recorded the report's sha256 in the audit log (record {rid})")
        finally:
            store.close()
    except SynthguardError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if q.missing:
        console.print(f"[yellow]{len(q.missing)} unanswered question(s); their items are rated red.[/yellow]")
    table = Table("#", "item", "status", "why", title=f"{a.title} – {a.function.function_name} ({period})")
    for it in a.items:
        c = _COLOURS[it.status]
        table.add_row(str(it.number), it.title, f"[{c}]{it.status}[/{c}]", "; ".join(it.reasons))
    Console().print(table)
    c = _COLOURS[a.conclusion.status]
    Console().print(f"overall: [{c}]{a.conclusion.status}[/{c}] — {a.conclusion.summary}")
    for kind, p in paths.items():
        console.print(f"wrote {kind}: {p}")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
