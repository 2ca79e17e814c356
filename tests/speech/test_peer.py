"""Peer adapters (AASIST family): clear error without a model; with a converted model, a score."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from synthguard.detectors import create_detector, list_detectors
from synthguard.errors import DetectorError
from synthguard.media import Audio

from .conftest import silence, speechlike


@pytest.mark.parametrize(
    ("name", "env"),
    [("audio.aasist", "SYNTHGUARD_AASIST_ONNX"), ("audio.aasist_l", "SYNTHGUARD_AASIST_L_ONNX")],
)
def test_needs_a_model_path(monkeypatch: pytest.MonkeyPatch, name: str, env: str) -> None:
    monkeypatch.delenv(env, raising=False)
    assert name in list_detectors("audio.*")
    with pytest.raises(DetectorError, match=env):
        create_detector(name)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="missing"):
        create_detector("audio.aasist", model_path=tmp_path / "nope.onnx")


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train extra (torch)")
def test_export_matches_torch_and_detects(shared_data: Path, tmp_path: Path) -> None:
    """Convert the published AASIST-L checkpoint; ONNX must match torch on the 3 ASVspoof samples."""
    from synthguard.train.speech_peer_export import export

    peer = shared_data / "speech" / "peer-antispoofing"
    samples = sorted((peer / "samples").glob("*.flac"))
    out = tmp_path / "aasist_l.onnx"
    side = export(peer / "aasist-asvspoof2019" / "AASIST-L.pth", out, samples)
    checks = side["checks"]
    assert all(c["max_abs_diff"] < 1e-3 for c in checks.values())  # type: ignore[attr-defined]
    # the published model separates its own samples: T_ is bona fide (logit 1 > 0), D_/E_ are spoofs
    bona = {k: c["torch"][0][1] > c["torch"][0][0] for k, c in checks.items() if k != "random"}  # type: ignore[attr-defined]
    assert bona == {"LA_D_1003356.flac": False, "LA_E_6163791.flac": False, "LA_T_1272637.flac": True}
    det = create_detector("audio.aasist_l", model_path=out)
    assert det.detect(Audio(silence(2.0))).score is None
    ev = det.detect(Audio(np.concatenate([speechlike(5.0), silence(0.5)])))
    assert ev.score is not None and ev.segments
