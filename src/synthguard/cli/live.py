"""``synthguard live FILE`` (stream a recording through a live session) and ``synthguard live-demo``."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..errors import SynthguardError

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2


def live_command(
    file: Annotated[
        Path, typer.Argument(help="An audio (or video) file to stream.", exists=True, dir_okay=False)
    ],
    detector: Annotated[
        str, typer.Option("--detector", "-d", help="Detector scoring each window.")
    ] = "audio.synthetic_voice_live",  # synthguard.live.DEFAULT_DETECTOR (not imported: CLI start-up)
    realtime: Annotated[bool, typer.Option("--realtime", help="Send audio at the speed it plays.")] = False,
    chunk_ms: Annotated[int, typer.Option(help="Milliseconds of audio per chunk.")] = 100,
    window: Annotated[
        float | None, typer.Option(help="Seconds per scored window (default: LiveConfig's).")
    ] = None,
    hop: Annotated[
        float | None, typer.Option(help="Seconds between windows (default: LiveConfig's).")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Alert threshold (default: the detector's).")
    ] = None,
    diarize: Annotated[
        bool, typer.Option("--diarize", help="Label speakers of a mixed room recording.")
    ] = False,
    confirm: Annotated[
        str | None,
        typer.Option(
            help="A second detector that must agree before an alert is raised (e.g. audio.synthetic_voice)."
        ),
    ] = None,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="Print every event as one JSON line.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print alerts and the summary only.")] = False,
) -> None:
    """Stream FILE through a live session and print its events; exit 1 when an alert was raised."""
    from ..live import LiveConfig, LiveSession, PcmFormat
    from ..live.replay import replay
    from ..media import Audio, Video, load

    console = Console()
    err = Console(stderr=True)
    try:
        media = load(file)
        audio = media.audio if isinstance(media, Video) else media
        if not isinstance(audio, Audio):
            raise typer.BadParameter(f"{file} has no audio")
        cfg = LiveConfig(
            detector=detector,
            window=LiveConfig().window if window is None else window,
            threshold=threshold,
            diarize=diarize,
            hop=LiveConfig().hop if hop is None else hop,
            confirm_detector=confirm,
        )
        session = LiveSession(PcmFormat(audio.sample_rate, "f32le", 1), cfg, speaker=file.stem[:64])
        flagged = False
        for ev in replay(session, audio.samples, chunk_seconds=chunk_ms / 1000, realtime=realtime):
            d = ev.to_dict()
            if d["type"] == "ended":
                flagged = d["alerts"] > 0
            if as_jsonl:
                typer.echo(json.dumps(d, ensure_ascii=False))
            elif d["type"] == "segment_scored":
                if not quiet:
                    bar = "#" * round(d["score"] * 20)
                    style = "red" if d["score"] >= d["threshold"] else "blue"
                    spk = f" {d['speaker']}" if diarize else ""
                    console.print(
                        f"{d['start']:7.1f}-{d['end']:6.1f} s{spk} [{style}]{d['score']:.3f} {bar}[/]"
                    )
            elif d["type"] == "alert":
                style = "bold white on red" if d["state"] == "raised" else "green"
                console.print(
                    f"[{style}]ALERT {d['state']} at {d['at']:.1f} s (since {d['start']:.1f} s, "
                    f"score {d['score']:.3f}{', ' + d['speaker'] if diarize else ''})[/]"
                )
            elif d["type"] == "ended":
                console.print(
                    f"[bold]ended[/]: {d['duration']:.1f} s, {d['windows_scored']} windows, "
                    f"max score {d['max_score']}, alerts {d['alerts']}, detector {d['detector']} "
                    f"(threshold {d['threshold']})"
                )
                for note in d["notes"]:
                    console.print(f"  {note}")
            elif not quiet:
                console.print(json.dumps(d)[:300])
    except SynthguardError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(EXIT_FLAGGED if flagged else EXIT_CLEAN)


def live_demo_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    key: Annotated[
        str | None, typer.Option(help="The key clients must send (default: a random one).")
    ] = None,
    detector: Annotated[
        str, typer.Option("--detector", "-d", help="Detector scoring each window.")
    ] = "audio.synthetic_voice_live",  # synthguard.live.DEFAULT_DETECTOR (not imported: CLI start-up)
    hop: Annotated[
        float | None, typer.Option(help="Seconds between windows (default: LiveConfig's).")
    ] = None,
    confirm: Annotated[
        str | None,
        typer.Option(help="A second detector that must agree before an alert is raised."),
    ] = None,
) -> None:
    """Serve only the live demo page and the /v1/streams WebSocket (no store; for trying it out)."""
    try:
        import uvicorn
        from fastapi import FastAPI
        from fastapi.responses import RedirectResponse

        from ..live import LiveConfig
        from ..live.ws import create_router
    except ImportError as exc:
        Console(stderr=True).print(f"[red]error:[/] live-demo needs the service extra: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    secret = key or secrets.token_urlsafe(16)
    app = FastAPI(title="synthguard live demo")
    app.include_router(
        create_router(
            authenticate=lambda cred: "demo" if cred == secret else None,
            config=LiveConfig(
                detector=detector, hop=LiveConfig().hop if hop is None else hop, confirm_detector=confirm
            ),
        )
    )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/live/")

    Console().print(f"open http://{host}:{port}/live/?token={secret}")
    uvicorn.run(app, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("live")(live_command)
    app.command("live-demo")(live_demo_command)
