"""``synthguard faces ...``: look at what the face detector sees, and time it.

``synthguard faces show FILE`` lists faces, tracks and scores and can save the artifacts (heatmaps,
timeline); ``synthguard faces speed FILE`` times decoding alone against the whole face analysis.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["register"]

faces_app = typer.Typer(
    help="Face tools: faces, tracks and scores of face.manipulation; timing.", no_args_is_help=True
)


@faces_app.command("show")
def show_command(
    path: Path = typer.Argument(..., help="image or video file"),
    assume_face: bool = typer.Option(False, "--assume-face", help="the image is already a face crop"),
    out: Path | None = typer.Option(None, help="folder for the heatmap PNGs and timeline JSON"),
    as_json: bool = typer.Option(False, "--json", help="print the Evidence as JSON"),
) -> None:
    """Run face.manipulation on one file and print every face with its track and score."""
    from ..detectors import create_detector
    from ..media import load

    ev = create_detector("face.manipulation", assume_face=assume_face).detect(load(path))
    if as_json:
        typer.echo(json.dumps(ev.to_dict(), indent=1))
    else:
        score = "none" if ev.score is None else f"{ev.score:.3f}"
        table = Table(title=f"face.manipulation on {path.name}: score {score} (threshold {ev.threshold:.3f})")
        for col in ("frame", "time s", "track", "x", "y", "w", "h", "score"):
            table.add_column(col, justify="right")
        for r in ev.regions:
            table.add_row(
                "-" if r.frame_index is None else str(r.frame_index),
                "-" if r.time is None else f"{r.time:.2f}",
                "-" if r.track_id is None else str(r.track_id),
                *(f"{v:.0f}" for v in (r.x, r.y, r.width, r.height)),
                "-" if r.score is None else f"{r.score:.3f}",
            )
        console = Console()
        console.print(table)
        for note in ev.notes:
            console.print(f"  {note}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for art in ev.artifacts:
            (out / art.name).write_bytes(art.data)
            Console(stderr=True).print(f"wrote {out / art.name}")


@faces_app.command("speed")
def speed_command(
    path: Path = typer.Argument(..., help="video (or image) file"),
    repeat: int = typer.Option(1, min=1, help="runs; the fastest is reported"),
) -> None:
    """Time decoding the sampled frames (the floor) against decode + detect + track + classify."""
    from ..detectors import create_detector
    from ..media import Video, load

    det = create_detector("face.manipulation")
    best_load = best_all = cpu_load = cpu_all = float("inf")
    frames = faces = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        media = load(path)
        t1, c1 = time.perf_counter(), time.process_time()
        ev = det.detect(media)
        t2, c2 = time.perf_counter(), time.process_time()
        best_load, best_all = min(best_load, t1 - t0), min(best_all, t2 - t0)
        # CPU seconds of this process (all threads): comparable across machines that are busy
        cpu_load, cpu_all = min(cpu_load, c1 - c0), min(cpu_all, c2 - c0)
        frames = len(media.frames) if isinstance(media, Video) else 1
        faces = len(ev.regions)
    typer.echo(
        json.dumps(
            {
                "file": str(path),
                "sampled_frames": frames,
                "faces": faces,
                "decode_s": round(best_load, 3),
                "total_s": round(best_all, 3),
                "decode_cpu_s": round(cpu_load, 3),
                "total_cpu_s": round(cpu_all, 3),
                "frames_per_s": round(frames / best_all, 2),
            }
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(faces_app, name="faces")
