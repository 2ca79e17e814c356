"""The review dashboard: static HTML, CSS and vanilla JavaScript served by the service at ``/ui``.

No build step and no CDN: every file is in ``web/static`` and talks to the ``/v1`` API with the
reviewer's API key (kept in the tab's sessionStorage only).
"""

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
