"""``synthguard live FILE`` and the benchmark's alert-rule replay."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io.wavfile
from typer.testing import CliRunner

from synthguard.cli import app
from synthguard.errors import DetectorError
from synthguard.live.bench import _raises

from .conftest import voice


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        ([0.95, 0.95], 2, [1.0]),
        ([0.95, 0.1, 0.95], 2, []),
        ([0.95, 0.95, 0.1, 0.1, 0.1, 0.95, 0.95], 2, [1.0, 6.0]),
        ([0.95, 0.95, 0.1, 0.95, 0.95], 2, [1.0]),  # not cleared in between: one episode
        ([0.95] * 5, 3, [2.0]),
    ],
)
def test_alert_rule_replay_matches_the_session_rule(scores, k, expected) -> None:
    assert _raises(list(enumerate(scores, 0)), 0.9, k, 0.75) == [float(e) for e in expected]


@pytest.mark.parametrize(("amp", "code", "alerts"), [(0.2, 0, 0), (0.9, 1, 1)])
def test_live_command_streams_a_file(tmp_path: Path, amp: float, code: int, alerts: int) -> None:
    wav = tmp_path / "clip.wav"
    t = np.arange(16_000 * 5) / 16_000
    x = np.concatenate([voice(2.0, amp=0.1), amp * np.sin(2 * np.pi * 200 * t)])  # test.audio_energy: RMS
    scipy.io.wavfile.write(wav, 16_000, (x * 32767).astype(np.int16))
    result = CliRunner().invoke(app, ["live", str(wav), "-d", "test.audio_energy", "--jsonl"])
    assert result.exit_code == code, result.output
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert events[0]["type"] == "started" and events[-1]["type"] == "ended"
    assert events[-1]["alerts"] == alerts


def test_bench_keys_a_candidate_model_by_its_own_file() -> None:
    """Cached window scores of a candidate ONNX never mix with the bundled weights' scores."""
    from importlib import resources

    from synthguard.live.bench import _detector

    bundled = resources.files("synthguard") / "models" / "speech_live" / "speech_wave_cnn.onnx"
    if not bundled.is_file():
        pytest.skip("no bundled live speech model")
    det, key = _detector("audio.synthetic_voice_live", None)
    _cand, cand_key = _detector("audio.synthetic_voice_live", Path(str(bundled)))
    assert key.startswith("audio.synthetic_voice_live-") and "file-" not in key
    assert cand_key.startswith("audio.synthetic_voice_live-") and "-file-" in cand_key
    assert cand_key.split("-file-")[1] == (det.card.weights_sha256 or "")[: len(cand_key.split("-file-")[1])]


def test_blended_replay_averages_log_odds_window_by_window() -> None:
    from synthguard.live.bench import _blend

    a = {
        "model": "a",
        "window": 2.0,
        "mixed": [{"onset": 1.0, "windows": [[2.0, 0.9], [2.25, 0.5]]}],
        "real": [],
    }
    b = {
        "model": "b",
        "window": 2.0,
        "mixed": [{"onset": 1.0, "windows": [[2.0, 0.1], [2.25, 0.99]]}],
        "real": [],
    }
    out = _blend(a, b)
    assert out["model"] == "a+b" and out["mixed"][0]["onset"] == 1.0
    (e1, s1), (e2, s2) = out["mixed"][0]["windows"]
    assert (e1, e2) == (2.0, 2.25)
    assert abs(s1 - 0.5) < 1e-9  # 0.9 and 0.1 cancel
    assert 0.9 < s2 < 0.99  # half of logit(0.99)
    same = _blend(a, a)["mixed"][0]["windows"]  # a detector blended with itself is itself
    assert [e for e, _ in same] == [2.0, 2.25] and np.allclose([v for _, v in same], [0.9, 0.5])


def test_latency_counts_from_the_first_synthetic_speech_not_the_clip_start() -> None:
    """A synthesizer's leading silence is not synthetic speech: latency starts at the first voice."""
    from synthguard.live.bench import _latencies, _speech_lead

    from ..speech.conftest import silence, speechlike

    lead = _speech_lead(np.concatenate([silence(0.5), speechlike(2.0)]))
    assert 0.3 <= lead <= 0.5  # the VAD's region starts up to its 0.15 s hangover before the voice
    assert _speech_lead(np.zeros(16_000, np.float32)) == 0.0  # no speech found: the clip start
    assert _latencies(12.0, 10.0, lead) == pytest.approx((2.0 - lead, 2.0))
    assert _latencies(10.1, 10.0, lead) is None  # raised in the silence: early, not 0.1 s


def test_sweep_reports_latency_from_speech_onset_and_from_clip_start() -> None:
    from synthguard.live._alert import AlertRule
    from synthguard.live.bench import _evaluate

    scored = {
        "base_hop": 0.25,
        "window": 2.0,
        "mixed": [{"engine": "x", "onset": 4.0, "lead": 0.5, "windows": [[5.5, 0.99], [5.75, 0.99]]}],
        "real": [{"seconds": 4.0, "windows": [[2.0, 0.1], [2.25, 0.1]]}],
    }
    rule = AlertRule("consecutive", threshold=0.9, alert_windows=1)
    out = _evaluate(scored, 0.25, rule)
    assert out["detected"] == 1 and out["latency_p50_s"] == pytest.approx(1.0)
    assert out["latency_from_clip_start_p95_s"] == pytest.approx(1.5)
    early = _evaluate(scored | {"mixed": [scored["mixed"][0] | {"lead": 1.6}]}, 0.25, rule)
    assert early["alert_before_onset"] == 1 and early["detected"] == 0


def test_sweep_replays_the_average_of_cached_scores(tmp_path: Path) -> None:
    """``sweep --scores``: an ensemble's alerts from the members' cached window scores, no model run."""
    from synthguard.live.bench import _blend, sweep

    def cached(name: str, scores: list[float], split: str = "val") -> Path:
        doc = {
            "model": name,
            "split": split,
            "window": 2.0,
            "base_hop": 0.25,
            "mixed": [
                {"engine": "x", "onset": 4.0, "lead": 0.0, "windows": [[5.0, scores[0]], [5.25, scores[1]]]}
            ],
            "real": [{"seconds": 4.0, "windows": [[2.0, 0.1]]}],
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
        return tmp_path / f"{name}.json"

    a, b, c = cached("a", [0.99, 0.99]), cached("b", [0.01, 0.99]), cached("c", [0.5, 0.99])
    kw = {"split": "val", "window": 2.0, "hops": (0.25,), "thresholds": (0.9,), "ks": (1,)}
    alone = sweep(Path("unused.csv"), scores=(a,), **kw)["grid"][0]
    both = sweep(Path("unused.csv"), scores=(a, b, c), **kw)["grid"][0]
    assert alone["latency_p50_s"] == pytest.approx(1.0)  # the first window is sure
    assert both["latency_p50_s"] == pytest.approx(1.25)  # the average is sure one window later
    three = _blend(*(json.loads(p.read_text()) for p in (a, b, c)))
    assert three["model"] == "a+b+c"
    assert three["mixed"][0]["windows"][0][1] == pytest.approx(0.5)  # logit 4.6 - 4.6 + 0: even
    with pytest.raises(ValueError, match="this sweep needs val"):
        sweep(Path("unused.csv"), scores=(cached("t", [0.9, 0.9], split="test"),), **kw)
    other = json.loads(a.read_text())
    other["mixed"][0]["onset"] = 3.0
    (tmp_path / "d.json").write_text(json.dumps(other | {"model": "d"}))
    with pytest.raises(ValueError, match="scored different streams"):
        sweep(Path("unused.csv"), scores=(a, tmp_path / "d.json"), **kw)


def test_bench_takes_a_candidate_folder_with_its_own_card(tmp_path: Path) -> None:
    """A folder from ``train speech --out DIR`` is scored with its own calibration, keyed as if bundled."""
    import shutil
    from importlib import resources

    from synthguard.live.bench import _detector

    bundled = resources.files("synthguard") / "models" / "speech_live"
    if not (bundled / "card.json").is_file():
        pytest.skip("no bundled live speech model")
    det, key = _detector("audio.synthetic_voice_live", None)
    cand = tmp_path / "cand"
    shutil.copytree(str(bundled), cand)
    card = json.loads((cand / "card.json").read_text())
    card["version"], card["calibration"]["a"] = "9.9.9-cand", 0.5
    (cand / "card.json").write_text(json.dumps(card))
    c_det, c_key = _detector("audio.synthetic_voice_live", cand)
    assert c_key == key.replace(det.card.version, "9.9.9-cand")
    assert c_det.a == 0.5 and det.a != 0.5
    with pytest.raises(DetectorError, match="model_dir"):
        _detector("test.constant", cand)
