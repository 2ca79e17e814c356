"""``synthguard bench``: measure a detector on a labelled dataset, clean and re-encoded."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..bench import PERTURBATIONS, Dataset, parse_perturbation, run_bench
from ..errors import SynthguardError
from .scan import parse_detector_options


def bench_command(
    detector: Annotated[str, typer.Argument(help="Registered detector name.")],
    dataset: Annotated[Path, typer.Argument(help="labels.csv / files.tsv with file,label[,split,...].")],
    split: Annotated[str, typer.Option(help="Split to evaluate ('all' for every row).")] = "test",
    perturb: Annotated[
        list[str] | None,
        typer.Option(
            "--perturb",
            "-p",
            help="Perturbation spec, repeatable; join steps with + (resize:0.5+jpeg:75): "
            + "; ".join(PERTURBATIONS),
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Class-balanced subset of at most N items.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for report.json/.md, scores.csv, roc/det PNG.")
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="Group column(s) for breakdowns (default: auto).")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Detector option KEY=VALUE (repeatable).")
    ] = None,
) -> None:
    """Print AUC, EER, accuracy at the operating point, calibration and throughput."""
    console = Console(stderr=True)
    try:
        specs = [parse_perturbation(p).name for p in (perturb or [])]
        options = parse_detector_options([f"{detector}.{o}" for o in (option or [])]).get(detector, {})
        ds = Dataset.from_csv(dataset, split=None if split == "all" else split).limit(limit)
    except (SynthguardError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    command = "synthguard " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with Progress(
        TextColumn(f"bench {detector}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("bench", total=len(ds))

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = run_bench(
                detector,
                ds,
                specs,
                progress=tick,
                group_columns=group,
                command=command,
                detector_options=options,
            )
        except SynthguardError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    Console().print(Markdown(result.to_markdown()))
    if out:
        for path in result.save(out):
            console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_command)
