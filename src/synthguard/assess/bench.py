"""Detector quality for the report: the latest bench result per detector.

Reads the ``report.json`` files that ``synthguard bench`` writes (``BenchResult.save``), found
recursively under the given folders (default ``var/bench`` and ``docs/benchmarks``), and keeps the
newest per detector by its ``created_at``. Unreadable files are skipped with a note, never
guessed at; so are runs of candidate weights (``-o model_path=...``, version ``X+weights.<sha>``),
which say nothing about the detector a platform runs.

Example:
    >>> latest_bench_results(["/nonexistent"])
    ()
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import BenchSummary

__all__ = ["DEFAULT_BENCH_DIRS", "SUMMARY_KEYS", "latest_bench_results"]

DEFAULT_BENCH_DIRS = ("var/bench", "docs/benchmarks")
#: Metrics copied from each condition's summary.
SUMMARY_KEYS = ("n", "coverage", "auc", "auc_ci95", "eer", "accuracy", "precision", "recall", "fpr", "ece")


def _summary(path: Path) -> BenchSummary | None:
    try:
        from ..bench import load_result

        d: dict[str, Any] = load_result(path)
    except ImportError:  # bench harness absent: read the JSON directly
        d = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(d, dict) or "detector" not in d or not isinstance(d.get("conditions"), dict):
        return None
    if "+weights." in str(d.get("detector_version", "")):
        return None
    conditions = {
        str(name): {k: c.get("summary", {}).get(k) for k in SUMMARY_KEYS}
        for name, c in d["conditions"].items()
        if isinstance(c, dict)
    }
    return BenchSummary(
        detector=str(d["detector"]),
        detector_version=str(d.get("detector_version", "")),
        dataset=str(d.get("dataset", "")),
        created_at=str(d.get("created_at", "")),
        command=str(d.get("command", "")),
        path=str(path),
        conditions=conditions,
    )


def latest_bench_results(dirs: Iterable[str | Path] = DEFAULT_BENCH_DIRS) -> tuple[BenchSummary, ...]:
    """The newest bench summary per detector under ``dirs``, sorted by detector name."""
    best: dict[str, BenchSummary] = {}
    for root in dirs:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("report.json")):
            s = _summary(path)
            if s is None:
                continue
            old = best.get(s.detector)
            if old is None or s.created_at > old.created_at:
                best[s.detector] = s
    return tuple(best[k] for k in sorted(best))
