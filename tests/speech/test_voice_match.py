"""audio.voice_match: same voice scores lower (less suspicious) than a different voice."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from synthguard.detectors import create_detector
from synthguard.errors import DetectorError
from synthguard.media import Audio
from synthguard.speech.speaker import cosine, speaker_embedding

from .conftest import SR, silence, speechlike

pytestmark = pytest.mark.skipif(
    not (resources.files("synthguard") / "models" / "speech" / "voice_match.json").is_file(),
    reason="no voice_match.json",
)


def other_voice(seconds: float) -> np.ndarray:
    """A brighter, higher voice: different pitch and a high-pass tilt."""
    import scipy.signal

    t = np.arange(int(seconds * SR)) / SR
    x = speechlike(seconds, seed=9)
    x = scipy.signal.resample_poly(x, 2, 3)[: len(t)]  # pitch and formants up by 1.5x
    x = np.pad(x, (0, len(t) - len(x)))
    return scipy.signal.lfilter([1.0, -0.9], [1.0], x).astype(np.float32)


def test_embedding_basics() -> None:
    assert speaker_embedding(silence(2.0)) is None
    e = speaker_embedding(speechlike(3.0))
    assert e is not None and e.shape == (40,)
    assert cosine(e, e) == pytest.approx(1.0)


def test_same_voice_less_suspicious_than_other_voice() -> None:
    det = create_detector("audio.voice_match", reference=speechlike(6.0, seed=1))
    same = det.detect(Audio(speechlike(4.0, seed=2)))
    other = det.detect(Audio(other_voice(4.0)))
    assert same.score is not None and other.score is not None
    assert same.score < other.score
    assert "cosine" in same.notes[0]


def test_no_speech_and_bad_reference() -> None:
    det = create_detector("audio.voice_match", reference=Audio(speechlike(3.0)))
    assert det.detect(Audio(silence(2.0))).score is None
    with pytest.raises(DetectorError):
        create_detector("audio.voice_match")
    with pytest.raises(DetectorError):
        create_detector("audio.voice_match", reference=silence(2.0))
