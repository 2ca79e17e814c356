"""audio.synthetic_voice on synthetic inputs: no speech -> None, speech -> a score and a timeline."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import numpy as np
import pytest

from synthguard.detectors import create_detector, detector_card, list_detectors
from synthguard.errors import DetectorInputError
from synthguard.media import Audio, Image, Video
from synthguard.results import Evidence

from .conftest import SR, chord, melody, noise, silence, speechlike, tone

MODEL_DIR = resources.files("synthguard") / "models" / "speech"
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "card.json").is_file(), reason="no bundled speech model")


@pytest.fixture(scope="module")
def detector():  # type: ignore[no-untyped-def]
    return create_detector("audio.synthetic_voice")


def test_registered_with_card() -> None:
    assert "audio.synthetic_voice" in list_detectors("audio.*")
    card = detector_card("audio.synthetic_voice")
    assert card.modalities == ("audio",) and 0.0 < card.threshold < 1.0
    assert card.weights_sha256 and card.training_data


def test_model_sha256_and_size() -> None:
    card = json.loads((MODEL_DIR / "card.json").read_text("utf-8"))
    data = (MODEL_DIR / card["weights_file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == card["sha256"]
    assert len(data) < 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "samples"),
    [
        ("silence", silence(5.0)),
        ("tone", tone(5.0)),
        ("noise", noise(5.0)),
        ("chord", chord(5.0)),
        ("melody", melody(6.0)),
        ("empty-ish", silence(0.05)),
    ],
)
def test_no_speech_gives_none(detector, name: str, samples: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    ev = detector.detect(Audio(samples))
    assert ev.score is None, name
    assert ev.notes and "no speech" in ev.notes[0]
    assert not ev.flagged


@pytest.mark.parametrize("seconds", [0.6, 3.0, 9.0])
def test_speech_gets_score_and_timeline(detector, seconds: float) -> None:  # type: ignore[no-untyped-def]
    x = np.concatenate([silence(0.5), speechlike(seconds, seed=2), silence(0.5)])
    ev = detector.detect(Audio(x))
    assert isinstance(ev, Evidence) and ev.score is not None and 0.0 <= ev.score <= 1.0
    assert ev.segments and all(0.0 <= s.start < s.end <= len(x) / SR + 1e-6 for s in ev.segments)
    assert ev.threshold == detector.card.threshold
    timeline = json.loads(next(a for a in ev.artifacts if a.name == "timeline.json").data)
    assert len(timeline["windows"]) == len(ev.segments)
    assert Evidence.from_dict(ev.to_dict()).score == ev.score


def test_png_timeline_when_asked() -> None:
    ev = create_detector("audio.synthetic_voice", plot=True).detect(Audio(speechlike(4.0)))
    png = next(a for a in ev.artifacts if a.name == "timeline.png")
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("rate", [8_000, 22_050, 48_000])
def test_other_sample_rates_are_resampled(detector, rate: int) -> None:  # type: ignore[no-untyped-def]
    import scipy.signal

    x = scipy.signal.resample_poly(speechlike(4.0), rate, SR).astype(np.float32)
    ref = detector.detect(Audio(speechlike(4.0)))
    ev = detector.detect(Audio(x, sample_rate=rate))
    assert ev.score is not None and len(ev.segments) == len(ref.segments)


def test_long_clip_is_batched(detector) -> None:  # type: ignore[no-untyped-def]
    x = np.tile(np.concatenate([speechlike(4.0, seed=5), silence(1.0)]), 60)  # 5 minutes
    ev = detector.detect(Audio(x))
    assert ev.score is not None and len(ev.segments) > 100
    assert ev.segments[-1].end <= len(x) / SR + 1e-6
    starts = [s.start for s in ev.segments]
    assert starts == sorted(starts)


def test_video_audio_track_and_bad_inputs(detector) -> None:  # type: ignore[no-untyped-def]
    video = Video(frames=(), fps=25.0, duration=3.0, width=2, height=2, audio=Audio(speechlike(3.0)))
    assert detector.detect(video).score is not None
    with pytest.raises(DetectorInputError):
        detector.detect(Video(frames=(), fps=25.0, duration=1.0, width=2, height=2))
    with pytest.raises(DetectorInputError):
        detector.detect(Image(np.zeros((2, 2, 3), np.uint8)))


@pytest.mark.parametrize(("rate", "channels"), [(8_000, 1), (44_100, 2), (48_000, 2)])
def test_loaded_files_any_rate_and_channels(detector, tmp_path, rate: int, channels: int) -> None:  # type: ignore[no-untyped-def]
    import wave

    import scipy.signal

    from synthguard.media import load

    x = scipy.signal.resample_poly(np.concatenate([speechlike(3.0), silence(0.5)]), rate, SR)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    path = tmp_path / f"clip_{rate}_{channels}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(pcm, channels).tobytes())
    ev = detector.detect(load(path))
    assert ev.score is not None and ev.segments


def test_model_dir_loads_a_candidate_with_its_own_card(tmp_path, detector) -> None:  # type: ignore[no-untyped-def]
    from synthguard.errors import DetectorError, ModelIntegrityError

    card = json.loads((MODEL_DIR / "card.json").read_text("utf-8"))
    (tmp_path / card["weights_file"]).write_bytes((MODEL_DIR / card["weights_file"]).read_bytes())
    a, b = card["calibration"]["a"], card["calibration"]["b"]
    cand = {**card, "version": "9.9.9", "threshold": 0.3, "calibration": {**card["calibration"], "a": 2 * a}}
    (tmp_path / "card.json").write_text(json.dumps(cand))
    det = create_detector("audio.synthetic_voice", model_dir=tmp_path)
    audio = Audio(speechlike(4.0))
    ev, ref = det.detect(audio), detector.detect(audio)
    assert ev.detector_version == "9.9.9" and ev.threshold == 0.3
    assert ref.detector_version == card["version"] and ref.threshold == card["threshold"]
    assert ev.segments and ref.segments
    # the candidate's own calibration: score = sigmoid(a' * logit + b) with a' = 2a
    logit = (np.log(ref.segments[0].score / (1 - ref.segments[0].score)) - b) / a
    assert ev.segments[0].score == pytest.approx(1 / (1 + np.exp(-(2 * a * logit + b))), rel=1e-5)
    assert (
        detector_card("audio.synthetic_voice").version == card["version"]
    )  # the registry's card is untouched
    (tmp_path / card["weights_file"]).write_bytes(b"changed")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        create_detector("audio.synthetic_voice", model_dir=tmp_path)
    with pytest.raises(DetectorError, match=r"no card\.json"):
        create_detector("audio.synthetic_voice", model_dir=tmp_path / "missing")
    with pytest.raises(DetectorError, match="not both"):
        create_detector("audio.synthetic_voice", model_dir=tmp_path, model_path=tmp_path / "x.onnx")
