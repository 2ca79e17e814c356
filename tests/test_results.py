"""Results: frozen, validated, JSON round trip against the published schema."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

import synthguard
from mediafactory import audio_bytes, image_bytes, video_bytes
from synthguard.results import (
    Artifact,
    Evidence,
    FrameScore,
    MediaInfo,
    Region,
    ScanReport,
    Segment,
    Timing,
    Verdict,
    scan_report_schema,
)


def _report() -> ScanReport:
    ev = Evidence(
        "face.manipulation",
        "1.0",
        "video",
        0.8,
        0.5,
        regions=(Region(1, 2, 3, 4, 0.8, "face", 0, 0.0, 1),),
        frames=(FrameScore(0, 0.0, 0.8), FrameScore(10, 1.0, None)),
        segments=(Segment(0.0, 2.0, 0.3, "speech", "S1"),),
        artifacts=(Artifact("heatmap.png", "heatmap", "image/png", data=b"\x89PNG..."),),
        notes=("n",),
        seconds=0.5,
    )
    return ScanReport(
        source="clip.mp4",
        sha256="a" * 64,
        media=MediaInfo("video", "mp4", 100, 64, 48, 2.0, 10.0, 2, 16000, 1, True, 0),
        evidence=(ev,),
        verdict=Verdict("review", 0.8, ("x",), None, "p1"),
        created_at="2026-11-25T00:00:00+00:00",
        synthguard_version="0.1.0",
        timings=(Timing("load", 0.1),),
        provenance={"aigc": None},
    )


def test_round_trip_and_schema() -> None:
    report = _report()
    d = json.loads(report.to_json())
    jsonschema.validate(d, scan_report_schema())
    back = ScanReport.from_dict(d)
    assert back == report
    assert back.evidence[0].artifacts[0].sha256 == report.evidence[0].artifacts[0].sha256


@pytest.mark.parametrize(
    "data", [image_bytes("JPEG"), audio_bytes(), video_bytes()], ids=["image", "audio", "video"]
)
def test_real_scan_reports_validate(data: bytes) -> None:
    report = synthguard.scan(data, detectors=["test.*"])
    jsonschema.validate(report.to_dict(), scan_report_schema())
    assert ScanReport.from_dict(report.to_dict()) == report


def test_results_are_frozen() -> None:
    ev = Evidence("d", "1", "image", 0.1, 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.score = 0.9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: Evidence("d", "1", "image", 1.5, 0.5), ValueError),
        (lambda: Evidence("d", "1", "image", float("nan"), 0.5), ValueError),
        (lambda: Segment(2.0, 1.0, 0.1), ValueError),
        (lambda: Verdict("label", 0.9, aigc_label="4"), ValueError),
    ],
)
def test_invalid_values_rejected(factory, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        factory()


def test_incompatible_schema_version_is_refused() -> None:
    d = _report().to_dict()
    d["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="schema_version"):
        ScanReport.from_dict(d)


def test_flagged_follows_threshold() -> None:
    assert Evidence("d", "1", "image", 0.5, 0.5).flagged
    assert not Evidence("d", "1", "image", 0.49, 0.5).flagged
    assert not Evidence("d", "1", "image", None, 0.5).flagged
