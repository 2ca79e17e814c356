"""``synthguard detectors`` and ``synthguard version``."""

from __future__ import annotations

import json
import platform
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .._version import __version__
from ..detectors import detector_card, list_detectors


def detectors_command(
    pattern: Annotated[str, typer.Argument(help="Glob over detector names.")] = "*",
    as_json: Annotated[bool, typer.Option("--json", help="Print the cards as JSON.")] = False,
) -> None:
    """List registered detectors with their cards."""
    cards = [detector_card(n) for n in list_detectors(pattern)]
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in cards], ensure_ascii=False, indent=2))
        return
    table = Table(title="synthguard detectors")
    table.add_column("name", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("modalities")
    table.add_column("threshold")
    table.add_column("what it does (first sentence; --json for the full card)")
    for c in cards:
        summary = c.description.split(". ")[0].rstrip(".")
        table.add_row(c.name, c.version, ", ".join(c.modalities), f"{c.threshold:.3f}", summary)
    Console().print(table)


def version_command() -> None:
    """Print the synthguard version and the runtime it uses."""
    import av
    import numpy
    import onnxruntime

    typer.echo(
        f"synthguard {__version__} (Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"onnxruntime {onnxruntime.__version__}, PyAV {av.__version__})"
    )


def register(app: typer.Typer) -> None:
    app.command("detectors")(detectors_command)
    app.command("version")(version_command)
