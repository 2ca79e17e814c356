"""Questionnaire validation: every problem reported at once, with its path and kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from synthguard.assess import (
    QuestionnaireError,
    load_questionnaire,
    parse_questionnaire,
    validate_questionnaire,
)
from synthguard.errors import ConfigError

from .conftest import EXAMPLE


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for p in parents:
        d = d[p]
    if value is _DELETE:
        del d[last]
    else:
        d[last] = value


_DELETE = object()


def test_example_is_valid() -> None:
    q = load_questionnaire(EXAMPLE)
    assert q.missing == ()
    assert len(q.sha256) == 64
    assert q.get("trigger.code") == "new_function"


@pytest.mark.parametrize(
    ("path", "value", "error_path", "kind", "message"),
    [
        ("reviewers.headcount", _DELETE, "reviewers.headcount", "missing", "no answer (content reviewers"),
        ("security_lead.name", "  ", "security_lead.name", "missing", "no answer"),
        ("security_lead", _DELETE, "security_lead.phone", "missing", "no answer"),
        ("reviewers.headcount", "six", "reviewers.headcount", "invalid", "expected a whole number"),
        ("reviewers.headcount", -1, "reviewers.headcount", "invalid", "below the minimum 0"),
        (
            "reviewers.coverage_hours_per_day",
            25,
            "reviewers.coverage_hours_per_day",
            "invalid",
            "above the maximum 24",
        ),
        ("reviewers.trained", "yes", "reviewers.trained", "invalid", "expected true or false"),
        ("trigger.code", "launch", "trigger.code", "invalid", "is not one of: new_function"),
        (
            "function.launch_date",
            "next week",
            "function.launch_date",
            "invalid",
            "expected a date YYYY-MM-DD",
        ),
        ("logs.fields", ["account", "ip"], "logs.fields[1]", "invalid", "'ip' is not one of"),
        ("logs.fields", "account", "logs.fields", "invalid", "expected a list"),
        ("complaints.channels", [], "complaints.channels", "missing", "at least one public channel"),
        (
            "complaints.channels",
            [{"type": "fax", "address": "x"}],
            "complaints.channels[0].type",
            "invalid",
            "'fax'",
        ),
        ("complaints.channels", [{"type": "web"}], "complaints.channels[0].address", "missing", "no answer"),
        (
            "labelling.explicit.height_ratio",
            2,
            "labelling.explicit.height_ratio",
            "invalid",
            "above the maximum 1",
        ),
        ("reviewers.headcont", 3, "reviewers.headcont", "unknown", "did you mean 'headcount'"),
        ("entity", "ACME", "entity", "invalid", "expected a section"),
        ("schema_version", 2, "schema_version", "invalid", "above the maximum 1"),
    ],
)
def test_validation_table(
    answers: dict[str, Any], path: str, value: Any, error_path: str, kind: str, message: str
) -> None:
    _set(answers, path, value)
    problems = validate_questionnaire(answers)
    match = [p for p in problems if p.path == error_path]
    assert match, f"no problem at {error_path}: {problems}"
    assert match[0].kind == kind
    assert message in match[0].message


def test_every_problem_is_listed_at_once(answers: dict[str, Any]) -> None:
    del answers["reviewers"]["headcount"]
    answers["trigger"]["code"] = "x"
    answers["labelling"]["recipients_log"]["retention_days"] = "long"
    with pytest.raises(QuestionnaireError) as err:
        parse_questionnaire(answers, source="q.yaml")
    paths = {p.path for p in err.value.problems}
    assert {"reviewers.headcount", "trigger.code", "labelling.recipients_log.retention_days"} <= paths
    text = str(err.value)
    assert "q.yaml: 3 problem(s)" in text and "reviewers.headcount: no answer" in text
    assert isinstance(err.value, ConfigError)


def test_allow_missing_keeps_item_gaps_but_not_identity(answers: dict[str, Any]) -> None:
    del answers["reviewers"]["headcount"]
    q = parse_questionnaire(answers, allow_missing=True)
    assert q.missing == ("reviewers.headcount",)
    del answers["entity"]["name"]
    with pytest.raises(QuestionnaireError, match=r"entity\.name: no answer"):
        parse_questionnaire(answers, allow_missing=True)
    answers["entity"]["name"] = "X"
    answers["reviewers"]["headcount"] = "many"  # invalid stays fatal with allow_missing
    with pytest.raises(QuestionnaireError, match="expected a whole number"):
        parse_questionnaire(answers, allow_missing=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read questionnaire"),
        (b"a: [1, 2", "not valid UTF-8 YAML"),
        (b"- 1\n- 2\n", "expected a YAML mapping"),
    ],
)
def test_load_errors(tmp_path: Path, content: bytes | None, message: str) -> None:
    p = tmp_path / "q.yaml"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_questionnaire(p)
