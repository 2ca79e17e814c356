"""Evaluation harness: labelled datasets, metrics, platform-style perturbations, reports.

Example:
    >>> from synthguard.bench import Dataset, run_bench
    >>> ds = Dataset.from_csv("../shared/data/images/diffusiondb-coco/labels.csv")  # doctest: +SKIP
    >>> result = run_bench("image.ai_generated", ds, ["jpeg:75", "resize:0.5"])  # doctest: +SKIP
    >>> result.save("runs/images")  # doctest: +SKIP
"""

from . import metrics
from .dataset import Dataset, Item
from .perturb import PERTURBATIONS, Perturbation, parse_perturbation
from .runner import BenchResult, ConditionResult, load_result, run_bench

__all__ = [
    "PERTURBATIONS",
    "BenchResult",
    "ConditionResult",
    "Dataset",
    "Item",
    "Perturbation",
    "load_result",
    "metrics",
    "parse_perturbation",
    "run_bench",
]
