"""The ``synthguard`` command line: a thin shell over the library.

Each module in this package adds its commands with ``register(app)``; this file only assembles them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="synthguard",
    help="Find deepfakes and label AI-generated content (GB 45438, C2PA) on a content platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}").register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synthguard`` script; returns the exit code."""
    try:
        app(args=argv if argv is not None else sys.argv[1:], standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return 0
