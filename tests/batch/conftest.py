"""Fixtures for batch tests: a mixed catalogue made on the fly, and a row normaliser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

try:  # the batch extra (pyarrow, fsspec); without it these tests are not collected
    import fsspec  # noqa: F401
    import pyarrow  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_*.py"]

#: Expected error type per corrupt file of ``make_mixed_folder(corrupt=5)``; other files scan.
EXPECTED_ERRORS = {
    "bad/truncated.png": "CorruptMediaError",
    "bad/random.jpg": "UnsupportedMediaError",
    "bad/empty.png": "EmptyMediaError",
    "bad/notes.txt": "UnsupportedMediaError",
    "bad/truncated.mp4": "CorruptMediaError",
}
EXPECTED_KINDS = {"img": "image", "av/clip": "video", "av/tone": "audio"}
DETECTORS = ["test.*"]

_VOLATILE = {"created_at", "timings", "seconds", "scanned_at"}


@pytest.fixture(scope="session")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 images (PNG, JPEG), 2 MP4 videos with AAC audio, 2 WAVs and 5 corrupt files."""
    from synthguard.batch.demo import make_mixed_folder

    root = tmp_path_factory.mktemp("catalogue")
    make_mixed_folder(root, images=6, videos=2, audios=2, corrupt=5, seed=7)
    return root


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def normalise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows sorted by path with timings, timestamps and report timings removed (for equality)."""
    out = []
    for row in sorted(rows, key=lambda r: r["path"]):
        row = dict(row)
        if row.get("report_json"):
            row["report_json"] = json.loads(row["report_json"])
        out.append(_strip(row))
    return out
