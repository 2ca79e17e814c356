"""``synthguard scan``: scan files and folders, for a person (table) or a pipeline (JSON / JSONL)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import MediaError, SynthguardError
from ..media import FrameSampling, Limits
from ..pipeline import ASSUME_FACE_DETECTORS, Scanner
from ..policy import Policy
from ..results import ScanReport

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        else:
            files.append(p)
    return files


def parse_detector_options(specs: list[str]) -> dict[str, dict[str, Any]]:
    """``["face.manipulation.max_faces=4"]`` -> ``{"face.manipulation": {"max_faces": 4}}``."""
    options: dict[str, dict[str, Any]] = {}
    for spec in specs:
        target, sep, raw = spec.partition("=")
        detector, dot, key = target.rpartition(".")
        if not sep or not dot or not detector or not key:
            raise ValueError(f"option {spec!r} is not DETECTOR.KEY=VALUE")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options.setdefault(detector, {})[key] = value
    return options


def _row(report: ScanReport) -> list[str]:
    scores = "\n".join(
        f"{e.detector} {'-' if e.score is None else f'{e.score:.2f}'}{' !' if e.flagged else ''}"
        for e in report.evidence
    )
    v = report.verdict
    label = f"\nLabel {v.aigc_label}" if v.aigc_label else ""
    return [report.source, report.media.kind, f"{v.decision}{label}", scores or "-"]


def scan_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are scanned recursively).")],
    detector: Annotated[
        list[str] | None,
        typer.Option(
            "--detector", "-d", help="Detector name or glob (repeatable); default: all production ones."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of reports.")] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="Print one JSON report per line.")] = False,
    declared_ai: Annotated[
        bool, typer.Option("--declared-ai", help="The uploader declared the content AI.")
    ] = False,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML file.")] = None,
    fps: Annotated[float, typer.Option(help="Video frames sampled per second.")] = 1.0,
    max_frames: Annotated[int, typer.Option(help="Most video frames sampled.")] = 32,
    max_duration: Annotated[float, typer.Option(help="Longest audio/video accepted, seconds.")] = 3 * 3600.0,
    assume_face: Annotated[
        bool, typer.Option("--assume-face", help="Inputs are face crops: face detectors skip face finding.")
    ] = False,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="Detector option DETECTOR.KEY=VALUE (repeatable), e.g. "
            "image.ai_generated.max_patches=32; VALUE is read as JSON when it parses.",
        ),
    ] = None,
) -> None:
    """Scan images, videos and audio files; exit 0 clean, 1 flagged, 2 error."""
    console = Console(stderr=True)
    try:
        options = parse_detector_options(option or [])
        if assume_face:
            for name in ASSUME_FACE_DETECTORS:
                options.setdefault(name, {})["assume_face"] = True
        scanner = Scanner(
            detector or None,
            detector_options=options,
            policy=Policy.from_yaml(policy) if policy else None,
            limits=Limits(max_frames=max_frames, max_duration=max_duration),
            sampling=FrameSampling(fps=fps),
        )
    except (SynthguardError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc
    files = _expand(paths)
    if not files:
        console.print("[red]error:[/red] no files to scan")
        raise typer.Exit(EXIT_ERROR)
    machine = as_json or as_jsonl
    reports: list[dict[str, Any]] = []
    table = Table(title="synthguard scan", show_lines=True)
    table.add_column("file", overflow="fold")
    table.add_column("kind")
    table.add_column("decision")
    table.add_column("detector score (! = over its threshold)", no_wrap=True)
    worst = EXIT_CLEAN
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("scanning", total=len(files))
        for path in files:
            progress.update(task, description=f"scanning {path.name}")
            try:
                report = scanner.scan(path)
            except (MediaError, OSError) as exc:
                worst = EXIT_ERROR
                err = {"path": str(path), "error": type(exc).__name__, "message": str(exc)}
                if as_jsonl:
                    sys.stdout.write(json.dumps(err, ensure_ascii=False) + "\n")
                elif as_json:
                    reports.append(err)
                else:
                    table.add_row(str(path), "-", "[red]error[/red]", str(exc))
            else:
                if report.flagged and worst == EXIT_CLEAN:
                    worst = EXIT_FLAGGED
                if as_jsonl:
                    sys.stdout.write(
                        json.dumps({"path": str(path), **report.to_dict()}, ensure_ascii=False) + "\n"
                    )
                elif as_json:
                    reports.append({"path": str(path), **report.to_dict()})
                else:
                    table.add_row(*_row(report))
            progress.advance(task)
    if as_json:
        sys.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2) + "\n")
    elif not machine:
        Console().print(table)
    raise typer.Exit(worst)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan_command)
