"""False-positive rate per real-speech source, from bench runs on a real-only probe set.

The bench reports AUC/EER per group; for a set of *real* clips from other recording pipelines the
question is simpler: how many clips of each source does a detector flag at its own card threshold?
Reads the labels file the bench ran on (rows of ``--split`` in file order, as the bench does) and
each run's ``scores.csv`` (clean condition), and prints one row per source: clips scored, clips
without speech (no score), flagged at the card threshold, and the median score.

usage:
    python scripts/speech/fpr_by_source.py var/speech/otherreal/probe_labels.csv \\
        var/speech/bench/v23_otherreal var/speech/bench/live21_otherreal var/speech/bench/aasist_otherreal
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from synthguard.detectors import detector_card


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", type=Path)
    ap.add_argument("runs", type=Path, nargs="+", help="bench --out folders (report.json + scores.csv)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--group", default="engine", help="labels column to group real clips by")
    ap.add_argument("--json", type=Path, help="also write the table here")
    args = ap.parse_args(argv)
    with args.labels.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("split", args.split) == args.split]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for run in args.runs:
        report = json.loads((run / "report.json").read_text())
        name = report["detector"]
        # the threshold the run used (a model_dir candidate's own); reports written before the bench
        # recorded it fall back to the bundled card's, which is only right if that model ran
        recorded = report["conditions"]["clean"]["summary"].get("threshold")
        thr = float(recorded if recorded is not None else detector_card(name).threshold)
        if recorded is None:
            print(f"{run}: no threshold in report.json (an older bench); using the bundled card's {thr:.3f}")
        with (run / "scores.csv").open(newline="") as fh:
            scores = list(csv.DictReader(fh))
        if len(scores) != len(rows):
            print(f"{run}: {len(scores)} scores for {len(rows)} rows of split {args.split}: another set?")
            return 2
        by: dict[str, list[float | None]] = defaultdict(list)
        for row, sc in zip(rows, scores, strict=True):
            if row["label"] != "real":
                continue
            by[row[args.group]].append(float(sc["clean"]) if sc["clean"] not in ("", "nan") else None)
        table: dict[str, dict[str, float]] = {}
        print(f"\n{name} {report['detector_version']} (threshold {thr:.3f}) - {run}")
        print(f"| {args.group} | clips | no speech | flagged | FPR | median score |")
        print("|---|---|---|---|---|---|")
        everything: list[float] = []
        for key in sorted(by, key=lambda k: (-len(by[k]), k)):
            vals = [v for v in by[key] if v is not None]
            everything += vals
            flagged = sum(v >= thr for v in vals)
            table[key] = {
                "clips": len(by[key]),
                "no_speech": len(by[key]) - len(vals),
                "flagged": flagged,
                "fpr": flagged / len(vals) if vals else float("nan"),
                "median": float(np.median(vals)) if vals else float("nan"),
            }
            t = table[key]
            print(
                f"| {key} | {t['clips']} | {t['no_speech']} | {flagged} | {t['fpr']:.2f} | {t['median']:.3f} |"
            )
        n_flag = sum(v >= thr for v in everything)
        print(
            f"| **all** | {sum(len(v) for v in by.values())} | | {n_flag} | {n_flag / len(everything):.3f} | |"
        )
        out[f"{name}:{run.name}"] = table
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
