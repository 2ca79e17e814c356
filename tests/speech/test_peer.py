"""Peer adapters (AASIST family, RawGAT-ST): clear error without a model; with a converted model, a score."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from synthguard.detectors import create_detector, detector_card, list_detectors
from synthguard.errors import DetectorError
from synthguard.media import Audio

from .conftest import silence, speechlike


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("audio.aasist", "SYNTHGUARD_AASIST_ONNX"),
        ("audio.aasist_l", "SYNTHGUARD_AASIST_L_ONNX"),
        ("audio.aasist_asvspoof5", "SYNTHGUARD_AASIST5_ONNX"),
        ("audio.rawgat_st", "SYNTHGUARD_RAWGAT_ST_ONNX"),
    ],
)
def test_needs_a_model_path(monkeypatch: pytest.MonkeyPatch, name: str, env: str) -> None:
    monkeypatch.delenv(env, raising=False)
    assert name in list_detectors("audio.*")
    with pytest.raises(DetectorError, match=env):
        create_detector(name)


@pytest.mark.parametrize("name", ["audio.aasist", "audio.rawgat_st"])
def test_missing_file_is_reported(tmp_path: Path, name: str) -> None:
    with pytest.raises(DetectorError, match="missing"):
        create_detector(name, model_path=tmp_path / "nope.onnx")


def test_peers_are_off_by_default() -> None:
    for name in ("audio.aasist", "audio.aasist_l", "audio.aasist_asvspoof5", "audio.rawgat_st"):
        assert not detector_card(name).default_enabled
    card = detector_card("audio.aasist_asvspoof5")
    assert "ASVspoof 5" in card.training_data and card.metrics == {"asvspoof5_dev_eer": 0.152}


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


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train extra (torch)")
def test_the_asvspoof5_checkpoint_exports_and_runs(shared_data: Path, tmp_path: Path) -> None:
    """The ASVspoof 5 AASIST has AASIST's layout: it converts, matches torch and scores a clip."""
    from synthguard.train.speech_peer_export import export

    peer = shared_data / "speech" / "peer-antispoofing"
    out = tmp_path / "aasist5.onnx"
    side = export(
        peer / "aasist-asvspoof5" / "AASIST-asvspoof5.pth", out, sorted((peer / "samples").glob("*.flac"))
    )
    assert all(c["max_abs_diff"] < 1e-3 for c in side["checks"].values())  # type: ignore[attr-defined]
    det = create_detector("audio.aasist_asvspoof5", model_path=out)
    ev = det.detect(Audio(np.concatenate([speechlike(5.0), silence(0.5)])))
    assert ev.score is not None and ev.segments and ev.detector == "audio.aasist_asvspoof5"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train extra (torch)")
def test_rawgat_st_shapes_without_weights() -> None:
    """A randomly initialised RawGAT-ST takes 64,600 samples to 2 logits (node counts fit the projections)."""
    import torch

    from synthguard.train.speech_peer import NB_SAMP
    from synthguard.train.speech_peer_rawgat import RawGATST, is_rawgat_st, rawgat_st_config

    cfg = {
        "filts": [[32, 32], [32, 32], [32, 64], [64, 64], [64, 64], [64, 64]],
        "gat_dims": [32, 16],
        "pool_ratios": [0.64, 0.81, 0.64],
        "nodes": {"spectral_pooled": 14, "temporal_pooled": 23, "fused": 12, "fused_pooled": 7},
        "sinc_filters": 70,
        "first_conv": 128,
    }
    model = RawGATST(cfg).eval()
    state = model.state_dict()
    assert is_rawgat_st(state) and rawgat_st_config(state) == cfg
    with torch.no_grad():
        assert model(torch.zeros(2, NB_SAMP)).shape == (2, 2)


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train extra (torch)")
def test_rawgat_st_export_matches_torch_and_detects(shared_data: Path, tmp_path: Path) -> None:
    """Convert the published RawGAT-ST (mul fusion) checkpoint; the 3 ASVspoof samples come out as labelled."""
    from synthguard.train.speech_peer_export import export

    peer = shared_data / "speech" / "peer-antispoofing"
    samples = sorted((peer / "samples").glob("*.flac"))
    out = tmp_path / "rawgat_st.onnx"
    side = export(peer / "rawgat-st-asvspoof2019" / "RawGAT_ST_mul.pth", out, samples)
    assert side["architecture"] == "RawGAT-ST"
    checks = side["checks"]
    assert all(c["max_abs_diff"] < 1e-3 for c in checks.values())  # type: ignore[attr-defined]
    bona = {k: c["torch"][0][1] > c["torch"][0][0] for k, c in checks.items() if k != "random"}  # type: ignore[attr-defined]
    assert bona == {"LA_D_1003356.flac": False, "LA_E_6163791.flac": False, "LA_T_1272637.flac": True}
    det = create_detector("audio.rawgat_st", model_path=out)
    assert det.detect(Audio(silence(2.0))).score is None
    ev = det.detect(Audio(np.concatenate([speechlike(5.0), silence(0.5)])))
    assert ev.score is not None and ev.segments
