"""``synthguard speech ...``: look at what the speech detector sees (speech regions, window scores)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["register"]

speech_app = typer.Typer(
    help="Speech tools: voice activity and per-window synthetic-voice timelines.", no_args_is_help=True
)


@speech_app.command("vad")
def vad_command(
    path: Path = typer.Argument(..., help="audio or video file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Print the speech regions the VAD finds (silence, tones and steady noise are left out)."""
    from ..media import Audio, Video, load
    from ..speech.vad import detect_speech

    media = load(path)
    audio = media.audio if isinstance(media, Video) else media
    if not isinstance(audio, Audio):
        raise typer.BadParameter(f"{path} has no audio")
    regions = detect_speech(audio.samples)
    if as_json:
        typer.echo(json.dumps([{"start": r.start, "end": r.end} for r in regions]))
        return
    table = Table(title=f"speech in {path.name} ({audio.duration:.1f} s)")
    table.add_column("start s", justify="right")
    table.add_column("end s", justify="right")
    for r in regions:
        table.add_row(f"{r.start:.2f}", f"{r.end:.2f}")
    Console().print(table if regions else "[yellow]no speech found[/yellow]")


@speech_app.command("timeline")
def timeline_command(
    path: Path = typer.Argument(..., help="audio or video file"),
    detector: str = typer.Option("audio.synthetic_voice", help="audio detector to run"),
    out: Path | None = typer.Option(None, help="folder for timeline.json and timeline.png"),
) -> None:
    """Score a clip window by window and show (and optionally save) the timeline."""
    from ..detectors import create_detector
    from ..media import load

    kwargs = {"plot": True} if out is not None else {}
    ev = create_detector(detector, **kwargs).detect(load(path))
    console = Console()
    table = Table(
        title=f"{detector} on {path.name}: score {ev.score if ev.score is None else round(ev.score, 3)}"
        f" (threshold {ev.threshold:.3f})"
    )
    for col in ("start s", "end s", "score"):
        table.add_column(col, justify="right")
    for s in ev.segments:
        style = "red" if s.score is not None and s.score >= ev.threshold else ""
        table.add_row(
            f"{s.start:.2f}", f"{s.end:.2f}", f"{s.score:.3f}" if s.score is not None else "-", style=style
        )
    console.print(table)
    for note in ev.notes:
        console.print(f"[dim]{note}[/dim]")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for art in ev.artifacts:
            (out / art.name).write_bytes(art.data)
            console.print(f"wrote {out / art.name}")


@speech_app.command("engine-eer")
def engine_eer_command(
    bench_dir: Path = typer.Argument(..., help="folder written by `synthguard bench --out` (scores.csv)"),
    dataset: Path = typer.Argument(..., help="the labels.csv the bench ran on"),
    split: str = typer.Option("test", help="the split the bench ran on"),
    column: str = typer.Option("engine", help="group column; real rows are paired with each group"),
) -> None:
    """EER of all real clips against each engine's fakes, per bench condition (the per-engine table)."""
    import csv

    from ..bench import Dataset
    from ..bench.metrics import eer

    items = list(Dataset.from_csv(dataset, split=split))
    with (bench_dir / "scores.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or any(
        int(r["index"]) >= len(items) or items[int(r["index"])].label != int(r["label"]) for r in rows
    ):
        raise typer.BadParameter(
            f"{bench_dir / 'scores.csv'} does not match the {split!r} split of {dataset} "
            "(another split or data set? pass the bench's --split)",
            param_hint="BENCH_DIR / DATASET / --split",
        )
    conds = [k for k in rows[0] if k not in ("index", "label")]
    engines = sorted({i.groups.get(column, "") for i in items if i.label == 1})
    table = Table(title=f"EER per {column}: real clips vs that {column}'s fakes ({bench_dir})")
    for col in ("condition", "all", *engines):
        table.add_column(col, justify="right")
    for cond in conds:
        scored = [
            (items[int(r["index"])], int(r["label"]), r[cond]) for r in rows if r[cond] not in ("", "None")
        ]
        cells = []
        for eng in [None, *engines]:
            sel = [
                (y, float(v)) for it, y, v in scored if y == 0 or eng is None or it.groups.get(column) == eng
            ]
            cells.append(f"{eer([y for y, _ in sel], [v for _, v in sel])[0]:.3f}")
        table.add_row(cond, *cells)
    Console().print(table)


@speech_app.command("make-unseen")
def make_unseen_command(
    data: Path = typer.Option(Path("var/speech/data"), help="the data set `synthguard train speech` made"),
    out: Path = typer.Option(Path("var/speech/unseen"), help="where the evaluation set goes"),
    n: int = typer.Option(30, help="clips of each unseen family"),
    family: list[str] = typer.Option(
        ["festival_hts"],
        "--family",
        help="festival_hts (HTS voice), harmonic_noise (sinusoidal vocoder), psola (TD-PSOLA pitch "
        "shift), phase_vocoder (STFT pitch shift), channel_vocoder (band-envelope vocoder), "
        "neural_vocoder (a small neural vocoder trained first on the data's training reals); repeatable",
    ),
) -> None:
    """Build a test set of engine families no model was trained on beside the real test clips;
    score it with `synthguard bench DETECTOR OUT/labels.csv --split test`."""
    from ..train.speech_data import MissingEngineError, build_unseen_set

    try:
        build_unseen_set(data, out, n=n, families=family, log=typer.echo)
    except (MissingEngineError, RuntimeError, FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None


@speech_app.command("throughput")
def throughput_command(
    detector: str = typer.Argument("audio.synthetic_voice", help="audio detector to time"),
    source: Path = typer.Option(..., help="folder of audio files, tiled to the requested length"),
    minutes: float = typer.Option(10.0, help="length of the synthetic long clip"),
    model_path: Path | None = typer.Option(None, help="ONNX file for peer detectors"),
) -> None:
    """Time one detect() on a long clip: CPU seconds (one thread), wall seconds, peak RSS."""
    import resource
    import time

    import numpy as np

    from ..detectors import create_detector
    from ..media import Audio, load

    parts = []
    for f in sorted(p for p in source.rglob("*") if p.suffix.lower() in {".wav", ".flac", ".mp3", ".m4a"}):
        media = load(f, expect="audio")
        if isinstance(media, Audio):
            parts.append(media.samples)
    if not parts:
        raise typer.BadParameter(f"no audio files under {source}")
    x = np.concatenate(parts)
    n = int(minutes * 60 * 16_000)
    x = np.tile(x, int(np.ceil(n / len(x))))[:n]
    det = create_detector(detector, **({"model_path": model_path} if model_path else {}))
    det.detect(Audio(x[: 5 * 16_000]))  # warm-up
    c0, w0 = time.process_time(), time.perf_counter()
    ev = det.detect(Audio(x))
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Console().print(
        f"{detector}: {n / 16_000:.0f} s of audio, {len(ev.segments)} windows; CPU {cpu:.2f} s "
        f"({n / 16_000 / cpu:.0f}x real time), wall {wall:.2f} s ({n / 16_000 / wall:.0f}x), peak RSS {rss:.0f} MB"
    )


def register(app: typer.Typer) -> None:
    """Add the ``speech`` command group to the synthguard CLI."""
    app.add_typer(speech_app, name="speech")
