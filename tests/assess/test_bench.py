"""The latest bench result per detector, from report.json files."""

from __future__ import annotations

import json
from pathlib import Path

from synthguard.assess import latest_bench_results


def _write(p: Path, **d: object) -> None:
    p.mkdir(parents=True)
    (p / "report.json").write_text(json.dumps(d), "utf-8")


def test_latest_per_detector(tmp_path: Path) -> None:
    cond = {"clean": {"summary": {"n": 10, "auc": 0.8, "eer": 0.2}}, "jpeg:75": {"summary": {"auc": 0.7}}}
    _write(
        tmp_path / "a" / "old",
        detector="d1",
        dataset="ds-old",
        created_at="2026-10-01T00:00:00",
        command="synthguard bench d1 old.csv",
        conditions=cond,
    )
    _write(
        tmp_path / "b" / "new",
        detector="d1",
        dataset="ds-new",
        created_at="2026-11-01T00:00:00",
        command="synthguard bench d1 new.csv",
        conditions=cond,
    )
    _write(tmp_path / "c", detector="d2", dataset="x", created_at="2026-09-01", conditions=cond)
    _write(  # a candidate's weights (-o model_path=...), newer but not the detector that ships
        tmp_path / "cand",
        detector="d1",
        detector_version="2.1.0+weights.0123456789ab",
        dataset="ds-cand",
        created_at="2026-11-20T00:00:00",
        conditions=cond,
    )
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "report.json").write_text("{not json", "utf-8")
    _write(tmp_path / "other", something="else")
    got = latest_bench_results([tmp_path, tmp_path / "missing"])
    assert [(b.detector, b.dataset) for b in got] == [("d1", "ds-new"), ("d2", "x")]
    assert got[0].command == "synthguard bench d1 new.csv"
    assert got[0].conditions["jpeg:75"]["auc"] == 0.7 and got[0].conditions["jpeg:75"]["eer"] is None
