"""``synthguard assess`` end to end (demo store, no PDF to stay fast) and its error messages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from synthguard.cli import app
from synthguard.store import Store, StoreConfig

from .conftest import EXAMPLE


def test_assess_demo_writes_report_and_records_hash(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app,
        [
            "assess",
            "-q",
            str(EXAMPLE),
            "--from",
            "2026-10-25",
            "--to",
            "2026-10-31",
            "--out",
            str(out),
            "--demo",
            "--no-pdf",
            "--bench-dir",
            str(tmp_path / "none"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} >= {"assessment.html", "assessment.json", "assessment.sha256"}
    d = json.loads((out / "assessment.json").read_text("utf-8"))
    assert d["period"] == {"start": "2026-10-25", "end": "2026-10-31"}
    assert d["facts"]["scanned_total"] > 0
    store = Store(StoreConfig(data_dir=out / "demo-store"))
    rec = store.list_audit(action="assessment.report")
    assert len(rec) == 1 and rec[0].details["period"]["from"] == "2026-10-25"
    store.close()


def test_assess_reports_every_questionnaire_problem(tmp_path: Path) -> None:
    q = tmp_path / "q.yaml"
    text = (
        EXAMPLE.read_text("utf-8")
        .replace("headcount: 6", "headcount: six")
        .replace("code: new_function", "code: x")
    )
    q.write_text(text, "utf-8")
    r = CliRunner().invoke(
        app,
        [
            "assess",
            "-q",
            str(q),
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--out",
            str(tmp_path / "o"),
            "--database",
            f"sqlite:///{tmp_path}/none.db",
        ],
    )
    assert r.exit_code == 2
    assert "reviewers.headcount" in r.output and "trigger.code" in r.output


def test_assess_refuses_a_missing_database_and_bad_dates(tmp_path: Path) -> None:
    base = ["assess", "-q", str(EXAMPLE), "--out", str(tmp_path / "o")]
    r = CliRunner().invoke(
        app,
        [*base, "--from", "2026-10-01", "--to", "2026-10-31", "--database", f"sqlite:///{tmp_path}/none.db"],
    )
    assert r.exit_code == 2 and "no database at" in r.output
    r = CliRunner().invoke(app, [*base, "--from", "2026-13-01", "--to", "2026-10-31"])
    assert r.exit_code == 2 and "--from '2026-13-01' is not a date" in r.output
    r = CliRunner().invoke(app, [*base, "--from", "2026-10-31", "--to", "2026-10-01"])
    assert r.exit_code == 2 and "before its start" in r.output
