"""The policy engine: Art. 6 label cases, thresholds, review, block, persistence."""

from __future__ import annotations

import pytest

from synthguard.errors import PolicyError
from synthguard.policy import Policy, Signals
from synthguard.results import Evidence


def ev(score: float | None, thr: float = 0.5, name: str = "d", notes: tuple[str, ...] = ()) -> Evidence:
    return Evidence(name, "1", "image", score, thr, notes=notes)


CASES = [
    # name, evidence, signals, decision, aigc_label
    ("clean", [ev(0.1)], Signals(), "pass", None),
    ("no score", [ev(None)], Signals(), "pass", None),
    (
        "implicit label 1",
        [ev(0.1)],
        Signals(implicit_label="1", implicit_label_source="AIGC XMP"),
        "label",
        "1",
    ),
    ("declared", [ev(0.1)], Signals(declared_ai=True), "label", "2"),
    ("implicit beats declared", [ev(0.1)], Signals(implicit_label="1", declared_ai=True), "label", "1"),
    ("explicit label seen", [ev(0.1)], Signals(explicit_label_detected=True), "label", "3"),
    ("suspected, confident", [ev(0.95)], Signals(), "label", "3"),
    ("suspected, unsure", [ev(0.6)], Signals(), "review", None),
    ("detector error", [ev(None, notes=("error: x",))], Signals(), "review", None),
    ("implicit label 3 kept", [ev(0.1)], Signals(implicit_label="3"), "label", "3"),
]


@pytest.mark.parametrize(
    ("evidence", "signals", "decision", "label"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_art6_cases(evidence: list[Evidence], signals: Signals, decision: str, label: str | None) -> None:
    verdict = Policy().decide(evidence, signals)
    assert (verdict.decision, verdict.aigc_label) == (decision, label)
    assert verdict.policy_version == Policy().version
    if decision != "pass":
        assert verdict.reasons


def test_threshold_override_and_block() -> None:
    policy = Policy(thresholds={"d": 0.9}, block_threshold=0.99)
    assert policy.decide([ev(0.6)]).decision == "pass"
    assert policy.decide([ev(0.995)]).decision == "block"


def test_a_threshold_can_differ_by_modality() -> None:
    """Real video frames score higher than real photos with the image detector: a platform can ask
    more of its evidence on video without loosening it on images."""
    policy = Policy(thresholds={"image.ai_generated@video": 0.97, "image.ai_generated": 0.6})
    on_image = Evidence("image.ai_generated", "1", "image", 0.86, 0.5)
    on_frames = Evidence("image.ai_generated", "1", "video", 0.86, 0.5)
    assert policy.threshold_for(on_image) == 0.6 and policy.threshold_for(on_frames) == 0.97
    assert policy.decide([on_image]).decision == "review"
    assert policy.decide([on_frames]).decision == "pass"
    assert Policy(thresholds={"image.ai_generated@audio": 0.1}).threshold_for(on_frames) == 0.5  # the card's


def test_yaml_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy = Policy(version="v7", thresholds={"image.ai_generated": 0.7}, label_threshold=0.95)
    path = tmp_path / "p.yaml"
    path.write_text(policy.to_yaml())
    assert Policy.from_yaml(path) == policy


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("label_threshold: 2\n", "in \\[0, 1\\]"),
        ("colour: red\n", "unknown policy keys"),
        ("- 1\n", "mapping"),
        ("thresholds:\n  image.ai_generated@frames: 0.9\n", "image, video or audio"),
    ],
)
def test_bad_policy_files(tmp_path, content: str, match: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(content)
    with pytest.raises(PolicyError, match=match):
        Policy.from_yaml(path)
