"""Benchmark reports: Markdown and JSON for people and pipelines, ROC / DET plots as PNG."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import metrics

if TYPE_CHECKING:
    from .runner import BenchResult

__all__ = ["plot_det", "plot_roc", "save", "to_markdown"]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)) and len(value) == 2:  # an interval
        return f"{value[0]:.3f}-{value[1]:.3f}"
    return str(value)


def to_markdown(result: BenchResult) -> str:
    """A Markdown section: the command, one row per condition, per-group AUC tables, throughput."""
    d = result.to_dict()
    lines = [f"### {result.detector} {result.detector_version} on {result.dataset}", ""]
    if result.command:
        lines += [f"Command: `{result.command}`", ""]
    lines += [f"Run {d['created_at']} on {d['machine']}, synthguard {d['synthguard_version']}.", ""]
    cols = [
        "n",
        "coverage",
        "auc",
        "auc_ci95",
        "eer",
        "eer_ci95",
        "accuracy",
        "precision",
        "recall",
        "fpr",
        "ece",
    ]
    lines.append("| condition | " + " | ".join(c.replace("_ci95", " 95% CI") for c in cols) + " |")
    lines.append("|---" * (len(cols) + 1) + "|")
    for name, cond in d["conditions"].items():
        s = cond["summary"]
        lines.append(f"| {name} | " + " | ".join(_fmt(s.get(c)) for c in cols) + " |")
    thr = result.conditions[0].threshold if result.conditions else 0.5
    lines += [
        "",
        f"accuracy / precision / recall / fpr at the card's operating threshold {thr:.3f}. 95% CI: "
        "stratified bootstrap (1000 resamples of each class): the spread from the sample size alone.",
        "",
    ]
    for col in result.group_columns:
        lines += [f"AUC by `{col}` (groups with one class are paired with all items of the other class):", ""]
        names = list(d["conditions"])
        lines.append(f"| {col} | n | " + " | ".join(names) + " |")
        lines.append("|---" * (len(names) + 2) + "|")
        values = sorted({v for c in d["conditions"].values() for v in c["groups"][col]})
        for value in values:
            n = d["conditions"][names[0]]["groups"][col].get(value, {}).get("n", 0)
            cells = [_fmt(d["conditions"][nm]["groups"][col].get(value, {}).get("auc")) for nm in names]
            lines.append(f"| {value} | {n} | " + " | ".join(cells) + " |")
        lines.append("")
    t = result.throughput
    lines.append(
        f"Throughput (clean): {t['items_per_second']:.2f} items/s, {t['seconds_per_item'] * 1000:.1f} ms/item "
        f"(+{t['decode_seconds_per_item'] * 1000:.1f} ms decode), peak RSS {t['peak_rss_mb']:.0f} MB"
        + (
            f", {t['media_seconds_per_second']:.1f} s of media per second"
            if "media_seconds_per_second" in t
            else ""
        )
        + "."
    )
    if result.errors:
        lines += ["", f"{len(result.errors)} items failed to load (skipped):"]
        lines += [f"- {e}" for e in result.errors[:10]]
    return "\n".join(lines) + "\n"


def plot_roc(result: BenchResult, path: Path) -> Path:
    """ROC curves of every condition in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    for cond in result.conditions:
        y, s = cond.scored
        if len(y) and 0 < y.sum() < len(y):
            roc = metrics.roc_curve(y, s)
            ax.plot(roc.fpr, roc.tpr, label=f"{cond.condition} (AUC {metrics.auc(y, s):.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(
        xlabel="false positive rate (real flagged)",
        ylabel="true positive rate (fakes caught)",
        title=f"{result.detector} - ROC",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_det(result: BenchResult, path: Path) -> Path:
    """DET curves (miss rate vs false alarm rate on normal-deviate axes) in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import norm

    ticks = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.4])
    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    for cond in result.conditions:
        y, s = cond.scored
        if len(y) and 0 < y.sum() < len(y):
            roc = metrics.roc_curve(y, s)
            fpr = np.clip(roc.fpr, 1e-3, 1 - 1e-3)
            fnr = np.clip(1 - roc.tpr, 1e-3, 1 - 1e-3)
            ax.plot(norm.ppf(fpr), norm.ppf(fnr), label=f"{cond.condition} (EER {metrics.eer(y, s)[0]:.3f})")
    ax.set_xticks(norm.ppf(ticks), [f"{t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{t:g}" for t in ticks])
    ax.set(
        xlabel="false alarm rate",
        ylabel="miss rate",
        title=f"{result.detector} - DET",
        xlim=norm.ppf([0.005, 0.6]),
        ylim=norm.ppf([0.005, 0.6]),
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def save(result: BenchResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    p = out_dir / "report.json"
    p.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), "utf-8")
    written.append(p)
    p = out_dir / "report.md"
    p.write_text(to_markdown(result), "utf-8")
    written.append(p)
    p = out_dir / "scores.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["index", "label", *[c.condition for c in result.conditions]])
        if result.conditions:
            for i, lab in enumerate(result.conditions[0].labels):
                w.writerow(
                    [
                        i,
                        lab,
                        *["" if c.scores[i] is None else f"{c.scores[i]:.6f}" for c in result.conditions],
                    ]
                )
    written.append(p)
    written.append(plot_roc(result, out_dir / "roc.png"))
    written.append(plot_det(result, out_dir / "det.png"))
    return written
