"""Run a detector over a labelled dataset, clean and under perturbations, and measure it."""

from __future__ import annotations

import hashlib
import json
import platform
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..detectors import create_detector, detector_card
from ..errors import MediaError
from ..media import Limits, Media, Video, load
from ..pipeline import _detect_frames
from . import metrics
from .dataset import Dataset
from .perturb import Perturbation, apply, parse_perturbation

__all__ = ["BenchResult", "ConditionResult", "run_bench"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ConditionResult:
    """Scores and metrics for one condition (``clean`` or a perturbation)."""

    condition: str
    labels: tuple[int, ...]
    scores: tuple[float | None, ...]
    groups: tuple[dict[str, str], ...]
    threshold: float
    seconds: float

    @property
    def scored(self) -> tuple[np.ndarray, np.ndarray]:
        mask = [s is not None for s in self.scores]
        y = np.array([lab for lab, m in zip(self.labels, mask, strict=True) if m], dtype=int)
        s = np.array([sc for sc in self.scores if sc is not None], dtype=float)
        return y, s

    def summary(self, labels: np.ndarray | None = None, scores: np.ndarray | None = None) -> dict[str, Any]:
        y, s = (labels, scores) if labels is not None and scores is not None else self.scored
        out: dict[str, Any] = {
            "n": len(self.labels),
            "scored": len(y),
            "coverage": float(len(y) / max(len(self.labels), 1)),
            "threshold": float(self.threshold),  # the operating point accuracy / fpr are taken at
        }
        if len(y) and 0 < y.sum() < len(y):
            e, e_thr = metrics.eer(y, s)
            op = metrics.at_threshold(y, s, self.threshold)
            out.update(
                auc=metrics.auc(y, s),
                eer=e,
                eer_threshold=e_thr,
                accuracy=op.accuracy,
                precision=op.precision,
                recall=op.recall,
                fpr=op.fpr,
                ece=metrics.ece(y, s),
                brier=metrics.brier(y, s),
                # how far AUC / EER could move on another draw of this size (stratified bootstrap)
                auc_ci95=metrics.bootstrap_ci(y, s, metrics.auc),
                eer_ci95=metrics.bootstrap_ci(y, s, lambda yy, ss: metrics.eer(yy, ss)[0]),
            )
        elif len(y):
            op = metrics.at_threshold(y, s, self.threshold)
            out.update(accuracy=op.accuracy)
        return out

    def by_group(self, column: str) -> dict[str, dict[str, Any]]:
        """Metrics per value of a group column (AUC needs both classes within the group;
        where a group holds one class only, it is paired with all items of the other class)."""
        out: dict[str, dict[str, Any]] = {}
        y_all = np.array(self.labels)
        values = sorted({g.get(column, "") for g in self.groups})
        for value in values:
            idx = [
                i
                for i, g in enumerate(self.groups)
                if g.get(column, "") == value and self.scores[i] is not None
            ]
            if not idx:
                continue
            ys = y_all[idx]
            if 0 < ys.sum() < len(ys):
                chosen = idx
            else:  # one class only: compare against every scored item of the other class
                other = [i for i, sc in enumerate(self.scores) if sc is not None and y_all[i] != ys[0]]
                chosen = idx + other
            y = y_all[chosen]
            s = np.array([self.scores[i] for i in chosen], dtype=float)
            row = self.summary(y, s)
            row["n"] = len(idx)
            row["paired_with_other_class"] = chosen is not idx
            out[value] = row
        return out


@dataclass(frozen=True)
class BenchResult:
    """A whole benchmark run: per-condition results plus how it was produced."""

    detector: str
    detector_version: str
    dataset: str
    conditions: tuple[ConditionResult, ...]
    group_columns: tuple[str, ...]
    throughput: dict[str, float]
    errors: tuple[str, ...] = ()
    command: str = ""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "detector_version": self.detector_version,
            "dataset": self.dataset,
            "created_at": self.created_at,
            "command": self.command,
            "synthguard_version": __version__,
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "throughput": self.throughput,
            "errors": list(self.errors),
            "conditions": {
                c.condition: {
                    "summary": c.summary(),
                    "groups": {col: c.by_group(col) for col in self.group_columns},
                }
                for c in self.conditions
            },
        }

    def to_markdown(self) -> str:
        from .report import to_markdown

        return to_markdown(self)

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write report.json, report.md, scores.csv, roc.png and det.png into ``out_dir``."""
        from .report import save

        return save(self, Path(out_dir))


def run_bench(
    detector: str,
    dataset: Dataset,
    perturbations: Sequence[str | Perturbation] = (),
    *,
    detector_options: dict[str, Any] | None = None,
    limits: Limits | None = None,
    group_columns: Sequence[str] | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> BenchResult:
    """Score every item clean and under each perturbation; compute metrics and throughput.

    Items that fail to load are counted as errors (listed in the result) and skipped, never fatal.

    Example:
        >>> from synthguard.bench import Dataset, run_bench
        >>> ds = Dataset.from_csv("labels.csv", split="test")  # doctest: +SKIP
        >>> res = run_bench("image.ai_generated", ds, ["jpeg:75"])  # doctest: +SKIP
        >>> print(res.to_markdown())  # doctest: +SKIP
    """
    det = create_detector(detector, **(detector_options or {}))
    card = det.card  # the model that runs: another folder's card with model_dir=
    bundled = detector_card(detector)
    perts = [p if isinstance(p, Perturbation) else parse_perturbation(p) for p in perturbations]
    names = ["clean", *(p.name for p in perts)]
    scores: dict[str, list[float | None]] = {n: [] for n in names}
    seconds = dict.fromkeys(names, 0.0)
    labels: list[int] = []
    groups: list[dict[str, str]] = []
    errors: list[str] = []
    load_seconds = 0.0
    media_seconds = 0.0
    for i, item in enumerate(dataset):
        if progress:
            progress(i, len(dataset))
        t0 = time.perf_counter()
        try:
            media = load(item.path, limits=limits)
        except (MediaError, OSError) as exc:
            errors.append(f"{item.path}: {exc}")
            continue
        load_seconds += time.perf_counter() - t0
        media_seconds += _duration(media)
        labels.append(item.label)
        groups.append(item.groups)
        for name, pert in zip(names, [None, *perts], strict=True):
            m = apply(pert, media) if pert is not None else media
            t1 = time.perf_counter()
            ev = _detect(det, card.modalities, m)
            seconds[name] += time.perf_counter() - t1
            scores[name].append(ev)
    if progress:
        progress(len(dataset), len(dataset))
    n = max(len(labels), 1)
    clean_s = max(seconds["clean"], 1e-9)
    throughput = {
        "items": float(len(labels)),
        "items_per_second": len(labels) / clean_s,
        "seconds_per_item": clean_s / n,
        "decode_seconds_per_item": load_seconds / n,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    if media_seconds > 0:
        throughput["media_seconds_per_second"] = media_seconds / clean_s
    conditions = tuple(
        ConditionResult(
            name, tuple(labels), tuple(scores[name]), tuple(groups), card.threshold, seconds[name]
        )
        for name in names
    )
    chosen = tuple(group_columns) if group_columns is not None else tuple(dataset.group_columns())
    return BenchResult(
        detector,
        _version(card.version, bundled.weights_sha256, detector_options or {}, card.weights_sha256),
        dataset.name,
        conditions,
        chosen,
        throughput,
        tuple(errors),
        command,
    )


def _version(
    card_version: str, card_sha256: str | None, options: dict[str, Any], ran_sha256: str | None = None
) -> str:
    """The card's version, or for other weights (``model_path``, or a ``model_dir`` whose weights
    differ from the bundled ones) a local version naming them (``2.1.0+weights.<sha256 prefix>``): a
    candidate's numbers never pass for the bundled model's."""
    if options.get("model_dir") is not None:
        digest = ran_sha256 or ""
    else:
        path = options.get("model_path")
        if not path or not Path(str(path)).is_file():
            return card_version
        digest = hashlib.sha256(Path(str(path)).read_bytes()).hexdigest()
    return card_version if digest == card_sha256 else f"{card_version}+weights.{digest[:12]}"


def _duration(media: Media) -> float:
    return float(getattr(media, "duration", 0.0) or 0.0)


def _detect(det: Any, modalities: Sequence[str], media: Media) -> float | None:
    if isinstance(media, Video) and "video" not in modalities and "image" in modalities:
        return _detect_frames(det, media).score
    if isinstance(media, Video) and "video" not in modalities and "audio" in modalities:
        return det.detect(media.audio).score if media.audio is not None else None
    score: float | None = det.detect(media).score
    return score


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a saved report.json back (used by the assessment report)."""
    data: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
    return data
