"""``synthguard train WHAT``: reproduce a shipped model (needs the ``train`` extra: torch)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from typing import Annotated

import typer


def _targets() -> list[str]:
    try:
        package = importlib.import_module("synthguard.train")
    except ImportError:
        return []
    # a target is a module with a ``main(argv)``; found from the source so listing imports no torch
    found = []
    for m in pkgutil.iter_modules(package.__path__):
        spec = importlib.util.find_spec(f"synthguard.train.{m.name}")
        origin = spec.origin if spec else None
        if not m.name.startswith("_") and origin and "\ndef main(" in Path(origin).read_text("utf-8"):
            found.append(m.name.replace("_", "-"))
    return sorted(found)


def train_command(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="What to train, e.g. speech, faces, images.")],
) -> None:
    """Reproduce a shipped model from its sources; extra arguments go to the trainer (try --help)."""
    targets = _targets()
    if what not in targets:
        typer.echo(f"unknown training target {what!r}; available: {', '.join(targets) or 'none'}", err=True)
        raise typer.Exit(2)
    module = importlib.import_module(f"synthguard.train.{what.replace('-', '_')}")
    raise typer.Exit(int(module.main(list(ctx.args)) or 0))


def register(app: typer.Typer) -> None:
    app.command("train", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        train_command
    )
