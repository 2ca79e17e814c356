"""Training helpers that need no torch: data normalisation, augmentation, calibration, texts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from synthguard.train.speech import (
    _augment_batch,
    _pseudo_vocode,
    _random_eq,
    _splice_real,
    eer_threshold,
    eq_gain,
    fit_platt,
    highpass_fir,
    live_form,
)
from synthguard.train.speech_data import augment, codec_roundtrip, normalise, sentences

from .conftest import SR, silence, speechlike


def test_platt_recovers_known_calibration() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 20_000)
    y = (rng.random(len(z)) < 1 / (1 + np.exp(-(0.5 * z - 1.0)))).astype(int)
    a, b = fit_platt(z, y)
    assert a == pytest.approx(0.5, abs=0.05) and b == pytest.approx(-1.0, abs=0.1)


def test_splice_puts_the_end_of_a_real_window_in_front_of_either_class() -> None:
    rng = np.random.default_rng(0)
    pool = np.stack([np.full(48_000, float(i), np.float32) for i in range(10)])  # window i holds i
    real = np.array([1, 3])
    x = np.full((400, 48_000), -1.0, np.float32)
    _splice_real(x, pool, real, 0.5, rng)
    changed = x[:, 0] != -1.0
    assert 0.4 < changed.mean() < 0.6  # the share
    assert set(np.unique(x[changed, 0])) <= {1.0, 3.0}  # only real windows are spliced in
    k = (x[changed] != -1.0).sum(axis=1)
    assert k.min() >= 1 and k.max() <= 32_000  # at most 2 s, so >= 1 s of the window stays
    assert (x[changed, -1] == -1.0).all() and (x[~changed] == -1.0).all()
    before = x.copy()
    _splice_real(x, pool, real, 0.0, rng)
    np.testing.assert_array_equal(x, before)


def test_pseudo_vocoding_turns_a_share_of_reals_into_fakes_and_leaves_fakes_alone() -> None:
    rng = np.random.default_rng(2)
    x = np.stack([speechlike(3.0, seed=i) for i in range(200)]).astype(np.float32)
    y = (np.arange(200) % 2).astype(np.float32)  # odd rows are fakes already
    before = x.copy()
    _pseudo_vocode(x, y, 0.3, rng)
    changed = ~np.isclose(x, before, atol=1e-4).all(axis=1)
    assert not changed[1::2].any() and (y[1::2] == 1).all()  # fakes untouched
    assert 0.18 < changed[::2].mean() < 0.42  # about the share of the reals
    np.testing.assert_array_equal(y[::2], changed[::2].astype(np.float32))  # each changed real is a fake now
    assert np.isfinite(x).all() and x.dtype == np.float32
    # a re-synthesis error, not a new signal: what was changed still follows the original closely
    corr = [np.corrcoef(a, b)[0, 1] for a, b in zip(x[changed], before[changed], strict=True)]
    assert np.median(corr) > 0.3
    x2, y2 = before.copy(), (np.arange(200) % 2).astype(np.float32)
    _pseudo_vocode(x2, y2, 0.0, rng)
    np.testing.assert_array_equal(x2, before)


def test_pseudo_vocoding_draws_only_the_kinds_asked_for() -> None:
    x = np.stack([speechlike(2.0, seed=i) for i in range(40)]).astype(np.float32)
    blurred, y = x.copy(), np.zeros(40, np.float32)
    _pseudo_vocode(blurred, y, 1.0, np.random.default_rng(0), ("blur",))
    assert (y == 1).all()
    # a blur keeps each frame's phase, so the re-synthesis stays closer to the original than a phase error
    phased, y2 = x.copy(), np.zeros(40, np.float32)
    _pseudo_vocode(phased, y2, 1.0, np.random.default_rng(0), ("phase",))

    def corr(a: np.ndarray) -> float:
        return float(np.median([np.corrcoef(u, v)[0, 1] for u, v in zip(a, x, strict=True)]))

    assert corr(blurred) > corr(phased)
    with pytest.raises(ValueError, match="kinds"):
        _pseudo_vocode(x.copy(), np.zeros(40, np.float32), 0.5, np.random.default_rng(0), ("pitch",))


def test_live_form_keeps_the_window_end_and_pads_like_the_detector() -> None:
    x = (np.arange(2 * 48_000).reshape(2, 48_000) % 7 + 1).astype(np.float16)
    out = live_form(x, 32_000)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_array_equal(out[:, :32_000], x[:, 16_000:])  # the synthetic end stays
    assert not out[:, 32_000:].any()  # then zeros, as a 2 s live window padded to the 3 s input
    np.testing.assert_array_equal(live_form(x, 48_000), x)
    for bad in (0, 48_001):
        with pytest.raises(ValueError, match="does not fit"):
            live_form(x, bad)


def test_wave_batch_augmentation_only_flips_and_shifts() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 48_000)).astype(np.float32)
    y = _augment_batch(x.copy(), "wave", rng)
    shift = next(s for s in range(400) if np.allclose(np.abs(np.roll(x[0], s)), np.abs(y[0])))
    for a, b in zip(x, y, strict=True):  # one shift (< 25 ms) for the batch, a sign per window
        rolled = np.roll(a, shift)
        assert np.allclose(rolled, b) or np.allclose(-rolled, b)


def test_eer_threshold_separable() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    t = eer_threshold(y, s)
    assert 0.3 < t <= 0.7


def test_sentences_deterministic_and_varied() -> None:
    a, b = sentences(50, 1), sentences(50, 1)
    assert a == b and len(set(a)) > 30 and all(s[0].isupper() for s in a)


def test_normalise_level_and_trim() -> None:
    x = np.concatenate([silence(2.0), 0.5 * speechlike(3.0), silence(2.0)])
    y = normalise(x, SR, np.random.default_rng(0))
    assert len(y) < len(x) - 2 * SR  # leading/trailing silence trimmed to ~0.3 s
    assert np.all(np.abs(y) <= 0.99)
    z = normalise(0.1 * x, SR, np.random.default_rng(0))
    mid = slice(SR // 2, 5 * SR // 2)  # the speech, after the 0.3 s kept margin
    assert np.sqrt(np.mean(y[mid] ** 2)) == pytest.approx(np.sqrt(np.mean(z[mid] ** 2)), rel=0.15)


@pytest.mark.parametrize(("codec", "bitrate"), [("mp3", 32_000), ("aac", 48_000), ("opus", 16_000)])
def test_codec_roundtrip_keeps_length(codec: str, bitrate: int) -> None:
    x = speechlike(2.0)
    y = codec_roundtrip(x, codec, bitrate)
    assert y.shape == x.shape and y.dtype == np.float32 and np.std(y) > 0.1 * np.std(x)


def test_augment_keeps_length_and_reports_recipe() -> None:
    rng = np.random.default_rng(3)
    x = speechlike(2.0)
    recipes = set()
    for _ in range(12):
        y, recipe = augment(x, rng)
        assert y.shape == x.shape and np.all(np.abs(y) <= 0.99)
        recipes.add(recipe)
    assert len(recipes) > 3


@pytest.mark.skipif(
    not (shutil.which("text2wave") and Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts").is_dir()),
    reason="festival with the HTS voice (Debian festvox-us-slt-hts) is not installed",
)
def test_unseen_engine_set_pairs_real_test_clips_with_hts_fakes(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")

    from synthguard.bench import Dataset
    from synthguard.train.speech_data import build_unseen_set

    data = tmp_path / "data"
    (data / "clips").mkdir(parents=True)
    lines = ["file,label,split,engine,speaker"]
    for i, split in enumerate(("test", "test", "train")):
        sf.write(str(data / "clips" / f"r{i}.wav"), speechlike(2.0, seed=i), SR, subtype="PCM_16")
        lines.append(f"clips/r{i}.wav,real,{split},librispeech,{i}")
    (data / "labels.csv").write_text("\n".join(lines) + "\n")
    csv_path = build_unseen_set(data, tmp_path / "unseen", n=2, log=lambda _m: None)
    items = list(Dataset.from_csv(csv_path, split="test"))
    assert [i.label for i in items] == [0, 0, 1, 1]  # the train-split real clip is left out
    for item in items[2:]:
        x, sr = sf.read(str(item.path))
        assert sr == SR and len(x) > SR and item.groups["engine"] == "festival_hts"


def _tiny_data(root: Path, sf: object) -> Path:
    data = root / "data"
    (data / "clips").mkdir(parents=True)
    lines = ["file,label,split,engine,speaker"]
    for i, split in enumerate(("test", "test", "train")):
        sf.write(str(data / "clips" / f"r{i}.wav"), speechlike(2.0, seed=i), SR, subtype="PCM_16")  # type: ignore[attr-defined]
        lines.append(f"clips/r{i}.wav,real,{split},librispeech,{i}")
    (data / "labels.csv").write_text("\n".join(lines) + "\n")
    return data


def test_unseen_vocoder_sets_resynthesise_the_real_test_clips(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    pytest.importorskip("pyworld", reason="pyworld comes with the train extra")

    from synthguard.bench import Dataset
    from synthguard.train.speech_data import build_unseen_set

    csv_path = build_unseen_set(
        _tiny_data(tmp_path, sf),
        tmp_path / "unseen",
        n=2,
        families=("harmonic_noise",),
        log=lambda _m: None,
    )
    items = list(Dataset.from_csv(csv_path, split="test"))
    assert [i.label for i in items] == [0, 0, 1, 1]
    assert [i.groups["engine"] for i in items[2:]] == ["harmonic_noise"] * 2
    for item in items[2:]:
        x, sr = sf.read(str(item.path))
        assert sr == SR and len(x) > SR and np.isfinite(x).all() and np.abs(x).max() > 0.01


def test_unseen_neural_vocoder_set_uses_a_vocoder_trained_on_training_reals(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    pytest.importorskip("torch", reason="torch comes with the train extra")

    from synthguard.bench import Dataset
    from synthguard.train.speech_data import build_unseen_set
    from synthguard.train.speech_vocoder import train_vocoder

    data = _tiny_data(tmp_path, sf)
    out = tmp_path / "unseen"
    # a vocoder already trained in OUT is used as it is (here two steps, to keep the test short)
    train_vocoder(
        [sf.read(str(data / "clips" / "r2.wav"), dtype="float32")[0]], out / "neural_vocoder.pt", steps=2
    )
    logs: list[str] = []
    csv_path = build_unseen_set(data, out, n=2, families=("neural_vocoder",), log=logs.append)
    assert not any("training the neural vocoder" in m for m in logs)
    items = list(Dataset.from_csv(csv_path, split="test"))
    assert [i.label for i in items] == [0, 0, 1, 1]
    assert [i.groups["engine"] for i in items[2:]] == ["neural_vocoder"] * 2
    for item in items[2:]:
        x, sr = sf.read(str(item.path))
        assert sr == SR and len(x) > SR and np.isfinite(x).all()


def test_unseen_set_rejects_an_unknown_family(tmp_path: Path) -> None:
    from synthguard.train.speech_data import build_unseen_set

    with pytest.raises(ValueError, match="unknown unseen family 'vall_e'"):
        build_unseen_set(tmp_path, tmp_path / "out", families=("vall_e",))
    with pytest.raises(ValueError, match="unknown unseen family 'lpc_vocoder'"):  # a training engine now
        build_unseen_set(tmp_path, tmp_path / "out", families=("lpc_vocoder",))


def test_missing_engines_are_named_with_how_to_install_them_before_any_clip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from synthguard.train import speech_data

    monkeypatch.setattr(
        shutil, "which", lambda cmd: None if cmd in {"flite", "text2wave"} else "/usr/bin/" + cmd
    )
    real_find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda m: None if m == "pyworld" else real_find(m))
    with pytest.raises(speech_data.MissingEngineError) as err:
        speech_data.build_dataset(
            tmp_path / "librispeech", tmp_path / "data", engines=("espeak", "flite", "festival", "world")
        )
    msg = str(err.value)
    assert "Debian packages flite festival" in msg and "install-system-deps.sh --train" in msg
    assert "Python packages pyworld" in msg and "espeak-ng" not in msg
    assert not (tmp_path / "data").exists()
    speech_data.check_engines(("espeak", "griffinlim", "lpc_vocoder"))  # nothing missing: no error
    monkeypatch.setattr(shutil, "which", lambda cmd: None)
    with pytest.raises(speech_data.MissingEngineError, match="cannot make the unseen evaluation families"):
        speech_data.build_unseen_set(tmp_path / "data", tmp_path / "unseen", families=("festival_hts",))


def test_later_engines_draw_from_their_own_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a vocoder engine must leave every other engine's clips byte-identical."""
    pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    pytest.importorskip("pyworld", reason="pyworld comes with the train extra")
    from synthguard.train import speech_data

    monkeypatch.setattr(speech_data, "PER_ENGINE", {"train": 2, "val": 1, "test": 0})
    real = {s: [(f"r{i}", speechlike(1.5, seed=i), str(i)) for i in range(3)] for s in ("train", "val")}
    both = speech_data._later_engines(real, speech_data.LATER_ENGINES, tmp_path / "a", seed=0, log=print)
    alone = speech_data._later_engines(real, ["lpc_vocoder"], tmp_path / "b", seed=0, log=print)
    assert [r.engine for r in both] == ["mel_griffinlim"] * 3 + ["lpc_vocoder"] * 3
    for r in alone:
        assert (tmp_path / "a" / r.file).read_bytes() == (tmp_path / "b" / r.file).read_bytes()
    assert speech_data.family("mel_griffinlim") == speech_data.family("griffinlim")
    assert speech_data.family("world") == ("world",)


@pytest.mark.parametrize("name", ["psola", "phase_vocoder", "channel_vocoder"])
def test_pitch_and_channel_vocoders_keep_length_and_level(name: str) -> None:
    pytest.importorskip("pyworld", reason="pyworld comes with the train extra")
    import random

    from synthguard.train.speech_data import UNSEEN_VOCODERS, VOCODERS

    x = speechlike(2.0, seed=1)
    y = VOCODERS[name](x, random.Random(0))
    assert name in UNSEEN_VOCODERS  # an evaluation family until a shipped model trains on it
    assert len(y) == len(x) and np.isfinite(y).all()
    # the same loudness within 10 dB, and the same voiced stretches carry it
    ratio = 10 * np.log10(float(np.mean(y**2)) / float(np.mean(x**2)))
    assert -10 < ratio < 10, ratio
    env_x = np.abs(x).reshape(-1, 800).mean(axis=1)
    env_y = np.abs(y).reshape(-1, 800).mean(axis=1)
    assert np.corrcoef(env_x, env_y)[0, 1] > 0.7


def test_psola_without_a_shift_puts_every_grain_back(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyworld", reason="pyworld comes with the train extra")
    import random

    from synthguard.train import speech_data

    monkeypatch.setattr(speech_data, "_semitones", lambda _rng, lo=0.0, hi=0.0: 1.0)
    x = speechlike(2.0, seed=2)
    y = speech_data._psola(x, random.Random(0))
    core = slice(SR // 10, -SR // 10)
    assert np.corrcoef(x[core], y[core])[0, 1] > 0.99


def test_random_channel_responses_stay_within_their_bounds() -> None:
    rng = np.random.default_rng(0)
    freqs = np.fft.rfftfreq(48_000, 1 / SR)
    gains = 20 * np.log10(np.stack([eq_gain(freqs, rng) for _ in range(200)]))
    mid = np.argmin(np.abs(freqs - 1000))
    assert np.abs(gains[:, mid]).max() < 10  # 1 kHz moves by the resonance at most
    assert gains.max() < 25 and (gains[:, np.argmin(np.abs(freqs - 100))] < -3).mean() > 0.2
    assert (np.abs(gains).max(axis=1) < 1e-9).mean() > 0.05  # some draws leave the window as it is


def test_random_eq_filters_the_chosen_rows_only() -> None:
    x = np.random.default_rng(1).normal(size=(40, 48_000)).astype(np.float32)
    y = x.copy()
    _random_eq(y, 0.5, np.random.default_rng(2))
    changed = np.abs(x - y).max(axis=1) > 1e-4
    assert 5 < changed.sum() < 35 and y.dtype == np.float32
    z = x.copy()
    _random_eq(z, 0.0, np.random.default_rng(2))
    assert np.array_equal(z, x)


def test_front_end_highpass_removes_the_low_band_and_keeps_the_rest() -> None:
    h = highpass_fir(400)
    gain_db = 20 * np.log10(np.abs(np.fft.rfft(h, SR)) + 1e-12)  # 1 Hz bins at 16 kHz
    assert gain_db[:290].max() < -45  # hum, F0 and a phone's low edge: gone
    assert gain_db[400] == pytest.approx(-6.0, abs=0.5)  # the cutoff
    assert np.abs(gain_db[510:7900]).max() < 0.1  # speech formants and up: untouched
    assert np.allclose(h, h[::-1])  # linear phase: no waveform shape is invented
    with pytest.raises(ValueError, match="odd"):
        highpass_fir(400, taps=256)


def test_wave_model_applies_its_fixed_highpass_inside_the_graph() -> None:
    torch = pytest.importorskip("torch")
    from synthguard.train.speech_model import WaveCNN

    torch.manual_seed(0)
    model = WaveCNN(highpass_hz=400).eval()
    assert "highpass" in dict(model.named_buffers())  # a buffer: saved and exported, never trained
    assert all(p.requires_grad for p in model.parameters())
    t = np.arange(48_000) / SR
    voice = np.sin(2 * np.pi * 1000 * t) + 0.5 * np.sin(2 * np.pi * 2500 * t)
    hum = 3 * np.sin(2 * np.pi * 60 * t) + 2 * np.sin(2 * np.pi * 150 * t)
    with torch.no_grad():
        a, b = (model(torch.tensor(w[None], dtype=torch.float32)) for w in (voice, voice + hum))
    assert float(a) == pytest.approx(float(b), abs=1e-3)  # what lies below the cutoff changes nothing


def test_wave_model_width_scales_every_channel_count() -> None:
    torch = pytest.importorskip("torch")
    from synthguard.train.speech_model import WaveCNN

    def n(m: object) -> int:
        return sum(p.numel() for p in m.parameters())  # type: ignore[attr-defined]

    base, wide = WaveCNN(), WaveCNN(width=2.0)
    assert wide.front[0].out_channels == 2 * base.front[0].out_channels
    assert 3.0 < n(wide) / n(base) < 4.5  # channels x2: parameters about x4
    with torch.no_grad():
        assert wide.eval()(torch.zeros(2, 16_000)).shape == (2,)


def test_width_outside_its_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from synthguard.train.speech import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--width", "10", "--work", "/nonexistent"])
    assert exit_info.value.code == 2
    assert "--width scales the model's channels" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--width", "2", "--front", "mel", "--work", "/nonexistent"])
    assert "the log-mel model has no width option" in capsys.readouterr().err


def _linear_onnx(path: Path, weights: list[float], *, output: str = "logit") -> Path:
    """A tiny model with the speech models' I/O: input ``wave`` (N, len(weights)), output (N,)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    w = helper.make_tensor("w", TensorProto.FLOAT, [len(weights)], weights)
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["wave", "w"], ["prod"]),
            helper.make_node("ReduceSum", ["prod"], [output], keepdims=0, axes=[1]),
        ],
        "linear",
        [helper.make_tensor_value_info("wave", TensorProto.FLOAT, ["n", len(weights)])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["n"])],
        [w],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]), str(path))
    return path


def test_ensemble_graph_averages_member_logits(tmp_path: Path) -> None:
    from synthguard.train.speech import _onnx_parameters, merge_logit_average, predict_onnx

    a = _linear_onnx(tmp_path / "a.onnx", [1.0, 0.0, 2.0])
    b = _linear_onnx(tmp_path / "b.onnx", [0.0, -4.0, 1.0])
    merge_logit_average([a, b], tmp_path / "ens.onnx")
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    want = (predict_onnx(a, x) + predict_onnx(b, x)) / 2
    np.testing.assert_allclose(predict_onnx(tmp_path / "ens.onnx", x), want, rtol=1e-6)
    assert _onnx_parameters(tmp_path / "ens.onnx") == 3 + 3 + 1  # both members and the 1/2
    merge_logit_average([a], tmp_path / "one.onnx")  # one member: the model itself
    np.testing.assert_allclose(predict_onnx(tmp_path / "one.onnx", x), predict_onnx(a, x))
    bad = _linear_onnx(tmp_path / "bad.onnx", [1.0, 1.0, 1.0], output="score")
    with pytest.raises(ValueError, match="output 'logit'"):
        merge_logit_average([a, bad], tmp_path / "x.onnx")


def test_calibrated_ensemble_averages_each_members_platt_log_odds(tmp_path: Path) -> None:
    from synthguard.train.speech import merge_logit_average, predict_onnx

    a = _linear_onnx(tmp_path / "a.onnx", [1.0, 0.0, 2.0])
    b = _linear_onnx(tmp_path / "b.onnx", [0.0, -4.0, 1.0])
    merge_logit_average([a, b], tmp_path / "ens.onnx", [(2.0, -1.0), (0.5, 0.25)])
    x = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    want = ((2.0 * predict_onnx(a, x) - 1.0) + (0.5 * predict_onnx(b, x) + 0.25)) / 2
    np.testing.assert_allclose(predict_onnx(tmp_path / "ens.onnx", x), want, rtol=1e-5, atol=1e-6)
    merge_logit_average([a], tmp_path / "one.onnx", [(3.0, 1.0)])  # one member: its calibrated log-odds
    np.testing.assert_allclose(
        predict_onnx(tmp_path / "one.onnx", x), 3.0 * predict_onnx(a, x) + 1.0, rtol=1e-5
    )
    with pytest.raises(ValueError, match="2 members but 1 calibrations"):
        merge_logit_average([a, b], tmp_path / "x.onnx", [(1.0, 0.0)])


def test_ensemble_of_needs_a_trained_model_and_its_card(tmp_path: Path, capsys) -> None:
    from synthguard.train.speech import _ensemble_members

    d = tmp_path / "m"
    d.mkdir()
    with pytest.raises(SystemExit, match=r"needs card\.json and speech_wave_cnn\.onnx"):
        _ensemble_members([d], "wave")
    onnx_path = _linear_onnx(d / "speech_wave_cnn.onnx", [1.0, 2.0])
    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    (d / "card.json").write_text(json.dumps({"version": "9", "sha256": "0" * 64, "calibration": {}}))
    with pytest.raises(SystemExit, match="does not match its card's sha256"):
        _ensemble_members([d], "wave")
    (d / "card.json").write_text(json.dumps({"version": "9", "sha256": sha, "calibration": {}}))
    with pytest.raises(SystemExit, match="no Platt calibration"):
        _ensemble_members([d], "wave")
    cal = {"method": "platt", "a": 2.0, "b": -1.0}
    (d / "card.json").write_text(json.dumps({"version": "9", "sha256": sha, "calibration": cal}))
    (m,) = _ensemble_members([d], "wave")
    assert (m["version"], m["sha256"], m["a"], m["b"], m["parameters"]) == ("9", sha, 2.0, -1.0, 2)
    with pytest.raises(SystemExit):
        from synthguard.train.speech import main

        main(["--ensemble-of", str(d), "--recalibrate", "--work", str(tmp_path / "w")])
    assert "not with --recalibrate" in capsys.readouterr().err


def test_extra_reals_join_training_only_normalised_and_once(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    from synthguard.train.speech_data import Clip, add_extra_reals, read_labels, write_labels

    data = tmp_path / "data"
    data.mkdir()
    write_labels(data / "labels.csv", [Clip("clips/train/x/a.wav", "real", "train", "librispeech", "1")])
    other = tmp_path / "other"
    (other / "clips").mkdir(parents=True)
    t = np.arange(8000 * 2) / 8000
    voice = (0.3 * np.sin(2 * np.pi * 140 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    for name in ("p1", "p2", "h1"):
        sf.write(str(other / "clips" / f"{name}.wav"), voice, 8000)
    (other / "labels.csv").write_text(
        "path,label,split,engine,speaker\n"
        "clips/p1.wav,real,train,asterisk,v1\nclips/p2.wav,real,train,asterisk,v1\n"
        "clips/h1.wav,real,heldout,asterisk,v2\n"
    )
    assert add_extra_reals(data, other / "labels.csv", log=lambda m: None) == 2
    rows = list(read_labels(data / "labels.csv"))
    added = [r for r in rows if r.engine == "extra:asterisk"]
    assert [r.split for r in added] == ["train", "train"] and all(r.label == "real" for r in added)
    y, sr = sf.read(str(data / added[0].file), dtype="float32")
    assert sr == 16000 and abs(len(y) / sr - 2.0) < 0.7  # resampled to 16 kHz, silence trimmed
    assert add_extra_reals(data, other / "labels.csv", log=lambda m: None) == 0  # idempotent
    (other / "labels.csv").write_text("path,label,split,engine,speaker\nclips/p1.wav,fake,train,x,v\n")
    with pytest.raises(ValueError, match="not labelled real"):
        add_extra_reals(data, other / "labels.csv", log=lambda m: None)


def test_paired_vocoding_twins_every_training_real_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each training vocoder re-synthesises the LibriSpeech reals it did not take and every extra
    real; the fakes carry the vocoder as engine (so LOEO drops them), and a second call adds nothing."""
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    pytest.importorskip("pyworld", reason="pyworld comes with the train extra")
    from synthguard.train import speech_data
    from synthguard.train.speech_data import Clip, add_paired_vocoding, read_labels, write_labels

    data = tmp_path / "data"
    (data / "clips/train/extra/ami").mkdir(parents=True)
    ls = []
    for i in range(3):
        path = tmp_path / f"{i}-1-0000.flac"
        sf.write(str(path), speechlike(1.2, seed=i), 16000)
        ls.append((path, str(i)))
    sf.write(str(data / "clips/train/extra/ami/m1.wav"), speechlike(1.2, seed=9), 16000)
    write_labels(
        data / "labels.csv", [Clip("clips/train/extra/ami/m1.wav", "real", "train", "extra:ami", "spk")]
    )
    monkeypatch.setattr(speech_data, "_real_splits", lambda root: {"train": ls})
    monkeypatch.setattr(speech_data, "PER_ENGINE", {"train": 1, "val": 0, "test": 0})
    monkeypatch.setattr(speech_data, "TRAINING_VOCODERS", ("lpc_vocoder", "griffinlim"))
    assert add_paired_vocoding(data, tmp_path, log=lambda m: None) == 2 * (2 + 1)
    rows = [r for r in read_labels(data / "labels.csv") if r.label == "fake"]
    assert sorted({r.engine for r in rows}) == ["griffinlim", "lpc_vocoder"]
    # griffinlim took LibriSpeech clip (0 * 7 + 0) % 3 and lpc_vocoder (0 * 7 + 3) % 3, both clip 0
    assert sorted(r.speaker for r in rows if r.engine == "griffinlim") == ["1", "2", "spk"]
    assert sorted(r.speaker for r in rows if r.engine == "lpc_vocoder") == ["1", "2", "spk"]
    y, sr = sf.read(str(data / rows[0].file), dtype="float32")
    assert sr == 16000 and len(y) > 8000
    assert add_paired_vocoding(data, tmp_path, log=lambda m: None) == 0


def test_data_fingerprint_points_at_the_source_whose_clips_changed(tmp_path: Path) -> None:
    from synthguard.train.speech_data import Clip, data_fingerprint

    rows = [
        Clip("a.wav", "real", "train", "librispeech", "19"),
        Clip("b.wav", "fake", "train", "espeak", "espeak:en-us"),
        Clip("c.wav", "real", "train", "extra:ami", "MEE009"),
    ]
    for r in rows:
        (tmp_path / r.file).write_bytes(r.file.encode())
    before = data_fingerprint(rows, tmp_path)
    assert sorted(before) == ["train/espeak", "train/extra:ami", "train/librispeech"]
    (tmp_path / "c.wav").write_bytes(b"one sample longer")
    after = data_fingerprint(rows, tmp_path)
    assert [k for k in before if before[k] != after[k]] == ["train/extra:ami"]


def test_environment_names_the_versions_a_rebuild_depends_on() -> None:
    from synthguard.train.environment import environment

    env = environment()
    packages = env["packages"]
    assert isinstance(packages, dict) and packages["numpy"] == np.__version__
    assert env["python"].count(".") == 2  # type: ignore[union-attr]


def test_a_candidate_that_never_reads_test_cannot_run_leave_one_engine_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from synthguard.train.speech import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--no-test", "--loeo-only", "--work", "/nonexistent"])
    assert exit_info.value.code == 2
    assert "measured on the test split" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value"), [("--pseudo-vocode", "1.5"), ("--eq", "-0.1"), ("--splice", "2")])
def test_shares_outside_zero_to_one_are_refused(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from synthguard.train.speech import main

    with pytest.raises(SystemExit) as exit_info:
        main([flag, value, "--work", "/nonexistent"])
    assert exit_info.value.code == 2
    assert f"{flag} is a share of windows: between 0 and 1" in capsys.readouterr().err


def test_train_speech_reports_a_missing_engine_as_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from synthguard.train.speech import main

    monkeypatch.setattr(shutil, "which", lambda cmd: None)
    code = main(["--work", str(tmp_path), "--no-extra-reals", "--librispeech", str(tmp_path / "ls")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(
        "error: cannot make the speech training data; missing Debian packages"
    )
    assert not (tmp_path / "data").exists()


def test_no_extra_reals_leaves_out_extra_clips_an_earlier_run_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`add_extra_reals` extends labels.csv in place, so a later `--no-extra-reals` run on the same data
    must drop those rows itself (and must not reuse the window cache made with them)."""
    from synthguard.train import speech

    data = tmp_path / "data"
    data.mkdir()
    (data / "labels.csv").write_text(
        "file,label,split,engine,speaker\n"
        "clips/train/librispeech/a.wav,real,train,librispeech,1\n"
        "clips/train/extra/ami/b.wav,real,train,extra:ami,ami\n"
    )
    monkeypatch.setattr(speech, "extend_dataset", lambda *a, **k: None)
    seen: dict[str, list[str]] = {}

    class Stop(Exception):
        pass

    def fake_cached(path: Path, make: object) -> None:
        seen.setdefault("cache", []).append(path.name)
        raise Stop

    def fake_extract(rows: list[speech.Clip], *a: object, **k: object) -> None:
        seen["engines"] = [r.engine for r in rows]

    monkeypatch.setattr(speech, "_cached", lambda path, make: (make(), fake_cached(path, make)))
    monkeypatch.setattr(speech, "extract", fake_extract)
    for flags in (["--no-extra-reals"], ["--extra-reals", str(data / "labels.csv")]):
        monkeypatch.setattr(speech, "add_extra_reals", lambda *a, **k: 0)
        with pytest.raises(Stop):
            speech.main(["--work", str(tmp_path), "--no-test", *flags])
        if flags == ["--no-extra-reals"]:
            assert seen["engines"] == ["librispeech"]
        else:
            assert seen["engines"] == ["librispeech", "extra:ami"]
    first, second = seen["cache"]
    assert first != second  # the windows without the extra clips are cached under their own key


def test_the_unseen_neural_vocoder_learns_from_librispeech_training_reals_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data set extended with extra reals (`add_extra_reals`) must not change the evaluation vocoder."""
    sf = pytest.importorskip("soundfile", reason="soundfile comes with the train extra")
    from synthguard.train import speech_data, speech_vocoder

    data = tmp_path / "data"
    rows = [
        ("train/librispeech/a", "librispeech"),
        ("train/extra/ami/b", "extra:ami"),
        ("test/c", "librispeech"),
    ]
    for name, _ in rows:
        (data / "clips" / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(data / "clips" / f"{name}.wav"), speechlike(1.0), SR)
    (data / "labels.csv").write_text(
        "file,label,split,engine,speaker\n"
        + "".join(f"clips/{n}.wav,real,{n.split('/')[0]},{e},s{i}\n" for i, (n, e) in enumerate(rows))
    )
    seen: list[int] = []

    class Stop(Exception):
        pass

    def fake_trained_vocoder(path: Path, train_real: object, **kw: object) -> None:
        seen.append(len(train_real()))  # type: ignore[operator]
        raise Stop

    monkeypatch.setattr(speech_vocoder, "trained_vocoder", fake_trained_vocoder)
    with pytest.raises(Stop):
        speech_data.build_unseen_set(
            data, tmp_path / "unseen", families=("neural_vocoder",), log=lambda m: None
        )
    assert seen == [1]


def test_pseudo_members_must_name_members(capsys: pytest.CaptureFixture[str]) -> None:
    from synthguard.train.speech import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--pseudo-vocode", "0.3", "--pseudo-members", "100", "--work", "/nonexistent"])
    assert exit_info.value.code == 2
    assert "--pseudo-members must be some of the --highpass values" in capsys.readouterr().err


def test_each_held_out_engine_gets_its_clip_eer_per_condition() -> None:
    """`_held_eers` (the leave-one-out numbers, for the ensemble and for each member alone)."""
    from synthguard.train.speech import TEST_CONDITIONS, Clip, Windows, _held_eers

    rows = [
        Clip(f"c{i}.wav", "real" if i < 4 else "fake", "test", "librispeech" if i < 4 else "world", "s")
        for i in range(6)
    ]
    clip = np.repeat(np.arange(6), 2)
    n = len(clip) * len(TEST_CONDITIONS)
    test = Windows(
        x=np.zeros((n, 1), np.float16),
        y=np.tile((clip >= 4).astype(np.int8), len(TEST_CONDITIONS)),
        clip=np.tile(clip, len(TEST_CONDITIONS)),
        cond=np.repeat(np.arange(len(TEST_CONDITIONS)), len(clip)),
        engine=np.zeros(n, np.int8),
    )
    perfect = np.where(test.y == 1, 3.0, -3.0)
    out = _held_eers(rows, np.array([0, 1]), np.array([-3.0, 3.0]), test, perfect, ["world"])
    assert out == {"world": dict.fromkeys(TEST_CONDITIONS, 0.0)}
