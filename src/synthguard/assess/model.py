"""The assessment as frozen dataclasses: what the HTML, the PDF and the JSON twin are rendered from.

Layout follows the regulator's template: entity information; service, function name and
description; the trigger (one of five); each item with its actual situation (实际情况), evidence and
a red / amber / green status with the reason; a conclusion. Detector quality and the labelling
materials are appended.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from ._serde import from_jsonable, to_jsonable
from .facts import MeasuredFacts, Period

__all__ = [
    "ASSESSMENT_SCHEMA_VERSION",
    "STATUS_TEXT",
    "Assessment",
    "BenchSummary",
    "Conclusion",
    "Entity",
    "EvidenceLine",
    "FunctionInfo",
    "Item",
    "LabellingMaterials",
    "Status",
    "TriggerInfo",
    "worst",
]

ASSESSMENT_SCHEMA_VERSION = "1.0"

Status = Literal["red", "amber", "green"]
_RANK = {"green": 0, "amber": 1, "red": 2}

#: How each status reads in the report: (English, Chinese).
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "green": ("met", "满足"),
    "amber": ("partly met", "部分满足"),
    "red": ("not met", "未满足"),
}


def worst(statuses: Iterable[Status]) -> Status:
    """The worst of some statuses (green when there are none)."""
    out: Status = "green"
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One piece of evidence behind an item.

    Attributes:
        label: what it is (English).
        label_zh: what it is (Chinese).
        value: the value as shown; ``None`` is printed "not recorded" (未记录).
        source: ``store`` (measured), ``questionnaire`` (declared by the operator), ``bench``,
            ``policy`` or ``not recorded``.
    """

    label: str
    label_zh: str
    value: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Item:
    """One assessment item.

    Attributes:
        id: stable key (``security_lead``, ``logs``...).
        number: position in the report.
        title / title_zh: heading.
        requirement / requirement_zh: what the rule asks, with its basis.
        situation: the actual situation (实际情况) in prose, built from answers and measurements.
        evidence: the facts behind it.
        status: red (not met), amber (partly met) or green (met).
        reasons: why this status; one line per finding.
    """

    id: str
    number: int
    title: str
    title_zh: str
    requirement: str
    requirement_zh: str
    situation: str
    evidence: tuple[EvidenceLine, ...]
    status: Status
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entity:
    """The operating company."""

    name: str
    credit_code: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    contact_email: str


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """The service and the function assessed."""

    service_name: str
    service_url: str
    service_description: str
    function_name: str
    function_description: str
    launch_date: date
    public_opinion_attributes: bool
    mobilisation_capacity: bool


@dataclass(frozen=True, slots=True)
class TriggerInfo:
    """Why the assessment is made: one of the five triggers."""

    code: str
    title: str
    title_zh: str
    details: str


@dataclass(frozen=True, slots=True)
class BenchSummary:
    """The latest benchmark of one detector, as its report.json says.

    ``conditions`` maps a condition (``clean``, ``jpeg:75``...) to its metrics (n, auc, eer,
    accuracy, precision, recall, fpr...).
    """

    detector: str
    detector_version: str
    dataset: str
    created_at: str
    command: str
    path: str
    conditions: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class LabellingMaterials:
    """What the appendix shows about labels: wording, positions, the metadata written.

    ``example_note`` says how the example image was made (by synthguard.provenance's renderer, or
    a fallback).
    """

    wording: str
    wording_problems: tuple[str, ...]
    image_corner: str
    height_ratio: float
    video_seconds: float | None
    audio_prompt: str
    implicit_example: str
    implicit_fields: Mapping[str, str]
    containers: tuple[str, ...]
    integrity: str
    example_placement: Mapping[str, Any]
    example_placement_problems: tuple[str, ...]
    example_note: str


@dataclass(frozen=True, slots=True)
class Conclusion:
    """The overall result: worst status of the items, and which are not or partly met."""

    status: Status
    not_met: tuple[str, ...]
    partly_met: tuple[str, ...]
    summary: str
    summary_zh: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """A complete security assessment report, ready to render.

    Round trip: ``Assessment.from_dict(a.to_dict()) == a``.
    """

    title: str
    title_zh: str
    entity: Entity
    function: FunctionInfo
    trigger: TriggerInfo
    period: Period
    items: tuple[Item, ...]
    conclusion: Conclusion
    facts: MeasuredFacts
    bench: tuple[BenchSummary, ...]
    labelling: LabellingMaterials
    incidents: tuple[Mapping[str, str], ...]
    assessor: str
    generated_at: datetime
    synthguard_version: str
    questionnaire_source: str
    questionnaire_sha256: str
    schema_version: str = ASSESSMENT_SCHEMA_VERSION

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError when absent)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = to_jsonable(self)
        d["facts"] = self.facts.to_dict()
        return d

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Assessment:
        major = str(d.get("schema_version", "")).split(".")[0]
        if major != ASSESSMENT_SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"assessment schema_version {d.get('schema_version')!r} is not readable here")
        out: Assessment = from_jsonable(cls, dict(d))
        return out
