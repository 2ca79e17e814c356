"""95% bootstrap intervals of AUC and EER for bench runs made before the bench printed them.

    python scripts/bench_ci.py var/speech/bench/v23_test var/images/bench_v1 ...

Reads each run's ``scores.csv`` (written by ``synthguard bench``) and prints one Markdown row per
condition, with the same stratified bootstrap as the bench's own reports
(:func:`synthguard.bench.metrics.bootstrap_ci`). Runs made since the bench reports intervals need
no script: their ``report.md`` has them.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from synthguard.bench import metrics


def _eer(y: np.ndarray, s: np.ndarray) -> float:
    return metrics.eer(y, s)[0]


def rows(run: Path) -> list[str]:
    with (run / "scores.csv").open(newline="") as f:
        table = list(csv.DictReader(f))
    if not table:
        return [f"| {run} | (no scores) | | | | |"]
    out = []
    for cond in [c for c in table[0] if c not in ("index", "label")]:
        kept = [(int(r["label"]), float(r[cond])) for r in table if r[cond] not in ("", None)]
        y = np.array([k[0] for k in kept])
        s = np.array([k[1] for k in kept])
        if not 0 < y.sum() < len(y):
            out.append(f"| {run} | {cond} | {len(y)} | one class only | | |")
            continue
        a_lo, a_hi = metrics.bootstrap_ci(y, s, metrics.auc)
        e_lo, e_hi = metrics.bootstrap_ci(y, s, _eer)
        out.append(
            f"| {run} | {cond} | {len(y)} ({int(y.sum())} fake) | {metrics.auc(y, s):.3f} ({a_lo:.3f}-{a_hi:.3f}) "
            f"| {_eer(y, s):.3f} ({e_lo:.3f}-{e_hi:.3f}) |"
        )
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    print("| run | condition | n | AUC (95% CI) | EER (95% CI) |")
    print("|---|---|---|---|---|")
    for arg in argv:
        run = Path(arg)
        if not (run / "scores.csv").is_file():
            print(f"{run}: no scores.csv (not a synthguard bench output folder)", file=sys.stderr)
            return 1
        print("\n".join(rows(run)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
