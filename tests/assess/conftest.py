"""Fixtures of the assessment tests: the example questionnaire and a set of facts that meet every rule."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from synthguard.assess import DayVolume, MeasuredFacts, Period

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assessment" / "questionnaire.yaml"
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture(scope="session")
def example_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    return data


@pytest.fixture
def answers(example_yaml: dict[str, Any]) -> dict[str, Any]:
    """A fresh, mutable copy of the example answers."""
    return copy.deepcopy(example_yaml)


def good_facts(**changes: Any) -> MeasuredFacts:
    """Facts under which every measured check passes; ``changes`` override fields."""
    base: dict[str, Any] = dict(
        period=PERIOD,
        source="test",
        measured_at=datetime(2026, 11, 1, tzinfo=UTC),
        scanned_by_modality={"audio": 10, "image": 60, "video": 30},
        labels={"1": 3, "2": 4, "3": 5},
        declared_ai=4,
        decisions={"label": 12, "pass": 80, "review": 8},
        flagged=20,
        review_queued=8,
        reviewed=8,
        confirmed=6,
        overturned=2,
        reviewers=3,
        review_latency_p50=600.0,
        review_latency_p90=3000.0,
        review_latency_p99=7000.0,
        review_latency_hist={
            "< 5 min": 1,
            "5-15 min": 3,
            "15-60 min": 3,
            "1-4 h": 1,
            "4-24 h": 0,
            "> 24 h": 0,
        },
        live_alerts=4,
        label_writes=12,
        labelled_written=12,
        watermark_writes=None,
        incidents=None,
        audit_records=500,
        audit_oldest=datetime(2026, 3, 1, tzinfo=UTC),
        audit_first_id=1,
        audit_field_coverage={
            "account": 1.0,
            "time": 1.0,
            "operation": 1.0,
            "source_ip": 1.0,
            "source_port": 1.0,
            "device": 1.0,
        },
        audit_chain_ok=True,
        audit_chain_message="500 audit records verified",
        audit_retention_days=180.0,
        auditor_keys=1,
        daily=(
            DayVolume(date(2026, 10, 1), {"image": 30, "video": 20}, 5),
            DayVolume(date(2026, 10, 2), {"image": 30, "video": 10, "audio": 10}, 15),
        ),
        not_recorded=("destination_ip", "watermark_writes", "incidents"),
    )
    base.update(changes)
    return MeasuredFacts(**base)


@pytest.fixture
def make_facts() -> Any:
    """The :func:`good_facts` factory."""
    return good_facts
