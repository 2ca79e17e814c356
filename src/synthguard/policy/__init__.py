"""The policy engine: detectors output scores, the policy decides.

It implements the platform's duty under Art. 6 of the Measures for Labeling AI-Generated
Synthetic Content (see docs/policy.md):

1. an implicit label in the file's metadata says AI-generated -> ``aigc_label="1"``;
2. no implicit label, but the uploader declares AI -> ``"2"``;
3. neither, but the platform detects an explicit label or traces -> ``"3"`` (suspected).

Scores between a detector's operating threshold and the policy's ``label_threshold`` go to human
review; ``block_threshold`` (off by default) blocks outright.

Example:
    >>> from synthguard.policy import Policy
    >>> from synthguard.results import Evidence
    >>> ev = Evidence("image.ai_generated", "1", "image", 0.97, 0.5)
    >>> Policy().decide([ev]).aigc_label
    '3'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import PolicyError
from ..results import Evidence, Verdict

__all__ = ["DEFAULT_POLICY", "Policy", "Signals"]


@dataclass(frozen=True)
class Signals:
    """What is known about an item besides detector scores.

    Attributes:
        implicit_label: the valid GB 45438 ``Label`` found in the file's metadata ("1", "2",
            "3") or a provenance source that maps to it (C2PA / IPTC trainedAlgorithmicMedia -> "1").
        implicit_label_source: where it was found (``"AIGC XMP"``, ``"C2PA"``, ...).
        declared_ai: the uploader declared the content AI-generated.
        explicit_label_detected: a visible "AI生成" style label or audio prompt was found.
    """

    implicit_label: str | None = None
    implicit_label_source: str = ""
    declared_ai: bool = False
    explicit_label_detected: bool = False


@dataclass(frozen=True)
class Policy:
    """Versioned decision rules. Save and load with :meth:`to_yaml` / :meth:`from_yaml`.

    Attributes:
        version: recorded in every verdict so a decision can be traced to its rules.
        thresholds: per-detector overrides of the card's operating threshold. A key
            ``"DETECTOR@MODALITY"`` (``"image.ai_generated@video"``: the image detector run on a
            video's frames) applies to that detector's evidence on that kind of medium only and
            takes precedence over the plain ``"DETECTOR"`` key.
        label_threshold: a score at or above this labels the item "3" without waiting for review.
        block_threshold: a score at or above this blocks the item (None: never block automatically).
        review_on_error: send items to review when a detector failed on them.
    """

    version: str = "2025-09-01.1"
    thresholds: Mapping[str, float] = field(default_factory=dict)
    label_threshold: float = 0.9
    block_threshold: float | None = None
    review_on_error: bool = True

    def __post_init__(self) -> None:
        for name, value in [("label_threshold", self.label_threshold), *self.thresholds.items()]:
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                raise PolicyError(f"policy threshold {name} must be in [0, 1], got {value!r}")
        for key in self.thresholds:
            _, at, modality = key.partition("@")
            if at and modality not in ("image", "video", "audio"):
                raise PolicyError(
                    f"policy threshold {key}: the part after @ must be image, video or audio, not {modality!r}"
                )
        if self.block_threshold is not None and not 0.0 <= self.block_threshold <= 1.0:
            raise PolicyError(
                f"policy block_threshold must be in [0, 1] or null, got {self.block_threshold!r}"
            )

    def threshold_for(self, evidence: Evidence) -> float:
        """The operating threshold this policy applies to ``evidence`` (see ``thresholds``)."""
        specific = self.thresholds.get(f"{evidence.detector}@{evidence.modality}")
        if specific is not None:
            return float(specific)
        return float(self.thresholds.get(evidence.detector, evidence.threshold))

    def decide(self, evidence: Iterable[Evidence], signals: Signals | None = None) -> Verdict:
        """Combine evidence and signals into one :class:`Verdict`."""
        signals = signals or Signals()
        evidence = list(evidence)
        reasons: list[str] = []
        scored = [e for e in evidence if e.score is not None]
        errors = [e for e in evidence if any(n.startswith("error:") for n in e.notes)]
        score = max((e.score for e in scored if e.score is not None), default=None)
        over = [e for e in scored if e.score is not None and e.score >= self.threshold_for(e)]
        for e in over:
            reasons.append(f"{e.detector} score {e.score:.3f} >= threshold {self.threshold_for(e):.3f}")
        for e in errors:
            reasons.append(f"{e.detector} failed: {next(n for n in e.notes if n.startswith('error:'))[7:]}")

        if self.block_threshold is not None and score is not None and score >= self.block_threshold:
            return self._verdict(
                "block", score, [*reasons, f"score >= block threshold {self.block_threshold}"], "3"
            )
        if signals.implicit_label == "1":
            src = signals.implicit_label_source or "metadata"
            return self._verdict(
                "label", score, [f"implicit label in {src} says AI-generated", *reasons], "1"
            )
        if signals.declared_ai:
            return self._verdict(
                "label", score, ["uploader declared the content AI-generated", *reasons], "2"
            )
        if signals.explicit_label_detected:
            return self._verdict("label", score, ["explicit AI label detected in the content", *reasons], "3")
        if signals.implicit_label in ("2", "3"):
            reasons.insert(0, f"implicit label says possibly/suspected AI ({signals.implicit_label})")
            return self._verdict("label", score, reasons, signals.implicit_label)
        if over:
            top = max(e.score for e in over if e.score is not None)
            if top >= self.label_threshold:
                return self._verdict(
                    "label", score, [*reasons, f"score >= label threshold {self.label_threshold}"], "3"
                )
            return self._verdict("review", score, reasons, None)
        if errors and self.review_on_error:
            return self._verdict("review", score, reasons, None)
        if not scored:
            reasons.append("no detector produced a score (no face / no speech / no applicable detector)")
        return self._verdict("pass", score, reasons, None)

    def _verdict(self, decision: Any, score: float | None, reasons: list[str], label: str | None) -> Verdict:
        if score is not None and not math.isfinite(score):
            score = None
        return Verdict(
            decision=decision,
            score=score,
            reasons=tuple(reasons),
            aigc_label=label,
            policy_version=self.version,
        )

    # ------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "thresholds": dict(self.thresholds),
            "label_threshold": self.label_threshold,
            "block_threshold": self.block_threshold,
            "review_on_error": self.review_on_error,
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        unknown = set(data) - {
            "version",
            "thresholds",
            "label_threshold",
            "block_threshold",
            "review_on_error",
        }
        if unknown:
            raise PolicyError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        try:
            return replace(cls(), **{k: v for k, v in data.items()})
        except TypeError as exc:
            raise PolicyError(f"invalid policy: {exc}") from exc

    @classmethod
    def from_yaml(cls, path: str | Path) -> Policy:
        try:
            data = yaml.safe_load(Path(path).read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
        if not isinstance(data, Mapping):
            raise PolicyError(f"policy file {path} must hold a mapping")
        return cls.from_dict(data)


DEFAULT_POLICY = Policy()
