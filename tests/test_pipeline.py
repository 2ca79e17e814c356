"""The scan pipeline: detector choice by modality, frame aggregation, hooks, errors kept."""

from __future__ import annotations

from typing import Any

import pytest

import synthguard
from mediafactory import audio_bytes, image_bytes, video_bytes
from synthguard.detectors import Detector, DetectorCard, register_detector
from synthguard.errors import MediaError, UnknownDetectorError
from synthguard.media import Media
from synthguard.pipeline import Scanner, aggregate_frames, resolve_detectors
from synthguard.results import Artifact, Evidence


@register_detector("unit.pipeline_broken")
class _Broken(Detector):
    card = DetectorCard(
        "unit.pipeline_broken", "1", ("image",), "Always fails. Tests only.", default_enabled=False
    )

    def detect(self, media: Media) -> Evidence:
        raise RuntimeError("boom")


@register_detector("unit.pipeline_artifact")
class _WithArtifact(Detector):
    card = DetectorCard(
        "unit.pipeline_artifact", "1", ("image",), "Emits an artifact. Tests only.", default_enabled=False
    )

    def detect(self, media: Media) -> Evidence:
        art = Artifact("map.png", "heatmap", "image/png", data=b"png-bytes")
        return Evidence(self.card.name, "1", "image", 0.2, 0.5, artifacts=(art,))


@pytest.mark.parametrize(
    ("data", "kind", "expected"),
    [
        (image_bytes("JPEG"), "image", {"test.constant": "image", "test.image_saturation": "image"}),
        (audio_bytes(), "audio", {"test.constant": "audio", "test.audio_energy": "audio"}),
        (
            video_bytes(),
            "video",
            {"test.constant": "video", "test.image_saturation": "video", "test.audio_energy": "audio"},
        ),
    ],
    ids=["image", "audio", "video"],
)
def test_detectors_chosen_by_modality(data: bytes, kind: str, expected: dict[str, str]) -> None:
    scanner = Scanner(["test.constant", "test.image_saturation", "test.audio_energy"])
    report = scanner.scan(data)
    assert report.media.kind == kind
    assert {e.detector: e.modality for e in report.evidence} == expected


def test_video_frames_are_scored_and_aggregated() -> None:
    report = Scanner(["test.image_saturation"]).scan(video_bytes(seconds=3.0))
    ev = report.evidence[0]
    assert len(ev.frames) == report.media.frames_sampled == 3
    assert ev.score == pytest.approx(aggregate_frames([f.score for f in ev.frames if f.score is not None]))


@pytest.mark.parametrize(
    ("scores", "expected"), [([0.1], 0.1), ([0.1, 0.9, 0.2, 0.3], 0.9), ([0.2] * 6 + [1.0, 0.8], 0.9)]
)
def test_aggregate_frames(scores: list[float], expected: float) -> None:
    assert aggregate_frames(scores) == pytest.approx(expected)


def test_failing_detector_is_recorded_not_fatal() -> None:
    report = Scanner(["unit.pipeline_broken", "test.constant"]).scan(image_bytes())
    broken = report.evidence_for("unit.pipeline_broken")
    assert broken is not None and broken.score is None and "boom" in broken.notes[0]
    assert report.verdict.decision == "review"


def test_hooks_receive_progress_and_artifacts() -> None:
    events: list[tuple[str, Any, int | None]] = []

    def hook(step: str, payload: Any, *, completed: int | None = None, total: int | None = None) -> None:
        events.append((step, payload, completed))

    Scanner(["unit.pipeline_artifact", "test.constant"]).scan(image_bytes(), hook=hook)
    steps = [e[0] for e in events]
    assert steps[0] == "loaded" and steps[-1] == "done"
    assert steps.count("detector") == 2 and steps.count("artifact") == 1
    art = next(e[1][1] for e in events if e[0] == "artifact")
    assert art.data == b"png-bytes"


def test_declared_ai_gives_label_2() -> None:
    report = synthguard.scan(image_bytes(), detectors=["test.constant"], declared_ai=True)
    assert report.verdict.aigc_label == "2" and report.verdict.decision == "label"


def test_default_detectors_exclude_test_ones() -> None:
    assert not any(n.startswith("test.") for n in resolve_detectors(None))


def test_unknown_pattern() -> None:
    with pytest.raises(UnknownDetectorError, match="no detector matches"):
        resolve_detectors(["nope.*"])


def test_bad_media_raises_media_error() -> None:
    with pytest.raises(MediaError):
        synthguard.scan(b"not media at all, just words", detectors=["test.constant"])


def test_report_fields() -> None:
    report = synthguard.scan(image_bytes("PNG", (40, 30)), detectors=["test.constant"], name="upload.png")
    assert report.source == "upload.png" and len(report.sha256) == 64
    assert (report.media.width, report.media.height) == (40, 30)
    assert {t.stage for t in report.timings} >= {"load", "policy", "total"}


@pytest.mark.parametrize(
    ("label", "decision", "aigc"),
    [("1", "label", "1"), ("3", "label", "3"), ("AIGC", "pass", None)],
    ids=["label-1", "label-3-kept", "malformed-not-trusted"],
)
def test_implicit_label_in_metadata_drives_art6(label: str, decision: str, aigc: str | None) -> None:
    provenance = pytest.importorskip("synthguard.provenance")
    data = image_bytes("PNG")
    if label == "AIGC":  # a real-world malformed value: reported, never trusted
        from synthguard.provenance import _containers

        data = _containers.write_aigc(data, "png", '{"AIGC":{"Label":"AIGC","ContentProducer":"x"}}')
    else:
        data = provenance.write_label(data, provenance.AigcLabel(label=label, content_producer="maker"))
    report = Scanner(["test.constant"]).scan(data)
    assert (report.verdict.decision, report.verdict.aigc_label) == (decision, aigc)
    assert report.provenance is not None and report.provenance["aigc"]["present"]
