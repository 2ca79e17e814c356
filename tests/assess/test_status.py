"""Status logic: which answers and facts make an item red, amber or green, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from synthguard.assess import BenchSummary, PurgeRun, StaticFacts, build_report, parse_questionnaire
from synthguard.assess.model import worst

from .conftest import PERIOD


def _build(answers: dict[str, Any], facts: Any, bench_dir: Any = (), allow_missing: bool = False) -> Any:
    q = parse_questionnaire(answers, allow_missing=allow_missing)
    return build_report(q, StaticFacts(facts), PERIOD, bench_dir)


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for p in parents:
        d = d[p]
    if value is None:
        del d[last]
    else:
        d[last] = value


def test_all_good_is_green_except_unmeasured_detectors(answers: dict[str, Any], make_facts: Any) -> None:
    a = _build(answers, make_facts())
    statuses = {it.id: it.status for it in a.items}
    assert statuses.pop("art6") == "amber"  # no bench results given
    assert set(statuses.values()) == {"green"}, [
        (it.id, it.reasons) for it in a.items if it.status != "green"
    ]
    assert a.conclusion.status == "amber"
    assert a.conclusion.partly_met == ("10. Art. 6 decision on every upload (labels 1/2/3)",)
    assert [it.number for it in a.items] == list(range(1, 12))


@pytest.mark.parametrize(
    ("answer", "value", "facts", "item", "status", "reason"),
    [
        # log retention below 6 months, declared or measured or applied -> not met
        ("logs.retention_days", 90, {}, "logs", "red", "kept 90 days, less than the required 180"),
        (None, None, {"audit_retention_days": 90.0}, "logs", "red", "audit retention is set to 90 days"),
        (
            None,
            None,
            {"purge_runs": (PurgeRun(datetime(2026, 10, 5, tzinfo=UTC), 30.0, 30.0, 812, 40),)},
            "logs",
            "red",
            "ran with audit retention 30 days (< 180) and deleted 812 records",
        ),
        (
            None,
            None,
            {"audit_chain_ok": False, "audit_chain_message": "record 7 edited"},
            "logs",
            "red",
            "fails verification: record 7 edited",
        ),
        (
            "logs.fields",
            ["account", "time", "operation"],
            {},
            "logs",
            "red",
            "do not record: source_ip, destination_ip, source_port, device",
        ),
        (
            None,
            None,
            {"audit_field_coverage": {"source_ip": 0.5, "source_port": 1.0, "device": 1.0}},
            "logs",
            "amber",
            "lacks source_ip in 50% of user records",
        ),
        (None, None, {"audit_oldest": None}, "logs", "amber", "audit log is empty"),
        (
            None,
            None,
            {"audit_head_ok": False, "audit_head_message": "the oldest records were removed"},
            "logs",
            "red",
            "audit log: the oldest records were removed",
        ),
        (None, None, {"audit_retention_days": None}, "logs", "amber", "retention setting is not recorded"),
        # missing answers -> not met (allow_missing)
        ("reviewers.headcount", None, {}, "security_lead", "red", "not answered: reviewers.headcount"),
        ("complaints.channels", None, {}, "complaints", "red", "not answered: complaints.channels"),
        ("labelling.recipients_log.enabled", None, {}, "recipients_log", "red", "not answered"),
        ("reviewers.headcount", 0, {}, "security_lead", "red", "no content reviewers"),
        ("reviewers.coverage_hours_per_day", 12, {}, "security_lead", "amber", "staffed 12 h a day"),
        (
            None,
            None,
            {"reviewed": 0, "confirmed": 0, "overturned": 0, "review_queued": 5},
            "security_lead",
            "red",
            "5 items went to human review but no review decision",
        ),
        ("real_identity.verified", False, {}, "real_identity", "red", "not verified by real identity"),
        (
            "harmful_content.scopes",
            ["posts", "comments"],
            {},
            "harmful_content",
            "amber",
            "not checked: names, profiles, groups",
        ),
        ("harmful_content.feature_library", False, {}, "harmful_content", "red", "no feature library"),
        (None, None, {"review_open": 4}, "harmful_content", "amber", "4 items (50% of those sent to review)"),
        (None, None, {"review_latency_p90": 200000.0}, "harmful_content", "amber", "p90 is 2.3 d"),
        (None, None, {"scanned_by_modality": {}}, "harmful_content", "amber", "scanned nothing"),
        (
            "mobilisation_controls.emergency_shutdown",
            False,
            {},
            "personal_information",
            "red",
            "cannot be shut down",
        ),
        (None, None, {"live_alerts": None}, "personal_information", "amber", "no live-room data"),
        ("complaints.response_hours", 72, {}, "complaints", "amber", "within 72 h (> 24 h)"),
        ("regulator_support.data_export", False, {}, "regulator_support", "red", "cannot be exported"),
        (None, None, {"auditor_keys": 0}, "regulator_support", "amber", "no active auditor key"),
        (
            None,
            None,
            {"labelled_written": 0},
            "implicit_labels",
            "red",
            "12 items were labelled but no implicit",
        ),
        (None, None, {"labelled_written": 10}, "implicit_labels", "amber", "10 of 12 labelled items (83.3%)"),
        (
            "labelling.implicit.propagator",
            "Lumen Shorts",
            {},
            "implicit_labels",
            "red",
            "does not allow: ' '",
        ),
        ("labelling.implicit.integrity", "none", {}, "implicit_labels", "amber", "no integrity data"),
        ("labelling.explicit.wording", "Generated", {}, "explicit_labels", "red", 'must contain "AI"'),
        ("labelling.explicit.height_ratio", 0.03, {}, "explicit_labels", "red", "(< 5%)"),
        ("labelling.explicit.video_seconds", 1, {}, "explicit_labels", "red", "shown 1 s (< 2 s)"),
        ("labelling.explicit.audio_prompt", "none", {}, "explicit_labels", "red", "no audio prompt"),
        (None, None, {"declared_unlabelled": 3}, "art6", "red", "3 items declared AI-generated"),
        ("labelling.recipients_log.retention_days", 90, {}, "recipients_log", "red", "kept 90 days (< 180"),
        ("labelling.recipients_log.enabled", False, {}, "recipients_log", "red", "not logged"),
    ],
)
def test_status_table(
    answers: dict[str, Any],
    make_facts: Any,
    answer: str | None,
    value: Any,
    facts: dict[str, Any],
    item: str,
    status: str,
    reason: str,
) -> None:
    if answer:
        _set(answers, answer, value)
    a = _build(answers, make_facts(**facts), allow_missing=True)
    it = a.item(item)
    assert it.status == status, it.reasons
    assert any(reason in r for r in it.reasons), it.reasons
    assert a.conclusion.status == worst(i.status for i in a.items)
    if status == "red":
        assert any(x.startswith(f"{it.number}. ") for x in a.conclusion.not_met)
        assert "未满足" in a.conclusion.summary_zh


def test_bench_quality_in_art6(answers: dict[str, Any], make_facts: Any, tmp_path: Any) -> None:
    import json

    good = {
        "detector": "image.ai_generated",
        "detector_version": "1",
        "dataset": "diffusiondb",
        "command": "c",
        "created_at": "2026-11-01T00:00:00",
        "conditions": {"clean": {"summary": {"n": 200, "auc": 0.91}}},
    }
    weak = {**good, "detector": "audio.synthetic_voice", "conditions": {"clean": {"summary": {"auc": 0.61}}}}
    for i, d in enumerate((good, weak)):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "report.json").write_text(json.dumps(d))
    a = _build(answers, make_facts(), bench_dir=tmp_path)
    assert [b.detector for b in a.bench] == ["audio.synthetic_voice", "image.ai_generated"]
    it = a.item("art6")
    assert it.status == "amber"
    assert any("audio.synthetic_voice is weak (AUC 0.610" in r for r in it.reasons)
    assert isinstance(a.bench[1], BenchSummary) and a.bench[1].conditions["clean"]["auc"] == 0.91


def test_not_recorded_facts_are_shown_as_such(answers: dict[str, Any], make_facts: Any) -> None:
    a = _build(answers, make_facts())
    ev = {e.label: e for e in a.item("implicit_labels").evidence}
    assert ev["Invisible watermarks embedded"].value is None
    assert ev["Invisible watermarks embedded"].source == "not recorded"
    ev = {e.label: e for e in a.item("logs").evidence}
    assert ev["synthguard audit log: destination IP"].value is None
