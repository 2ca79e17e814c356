"""Voice activity: speech found, silence / tones / steady noise rejected, streaming == one-shot."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.speech.vad import SpeechRegion, StreamingVad, VadConfig, detect_speech

from .conftest import SR, chord, melody, noise, silence, speechlike, tone


@pytest.mark.parametrize(
    ("name", "signal", "expect_speech"),
    [
        ("silence", silence(3.0), False),
        ("tone", tone(3.0), False),
        ("white noise", noise(3.0), False),
        ("sustained chord", chord(4.0), False),
        ("plucked melody", melody(6.0), False),
        ("speech-like", speechlike(3.0), True),
        ("very quiet speech-like", speechlike(3.0, level=1e-4), False),
    ],
)
def test_detect_speech_kinds(name: str, signal: np.ndarray, expect_speech: bool) -> None:
    assert bool(detect_speech(signal)) is expect_speech, name


def test_speech_between_silences_is_located() -> None:
    x = np.concatenate([silence(2.0), speechlike(2.0), silence(2.0)])
    regions = detect_speech(x)
    assert len(regions) == 1
    r = regions[0]
    assert 1.6 <= r.start <= 2.2 and 3.8 <= r.end <= 4.4


@pytest.mark.parametrize("chunk", [1, 159, 160, 1000, 16_000, 100_000])
def test_streaming_matches_one_shot(chunk: int) -> None:
    x = np.concatenate(
        [silence(1.0), speechlike(2.5, seed=3), silence(1.5), speechlike(1.0, seed=4), silence(1.0)]
    )
    whole = detect_speech(x)
    vad = StreamingVad()
    got: list[SpeechRegion] = []
    for s in range(0, len(x), chunk):
        got.extend(vad.push(x[s : s + chunk]))
    got.extend(vad.flush())
    assert tuple(got) == whole
    assert len(whole) == 2


def test_one_shot_pushes_long_clips_in_chunks() -> None:
    """detect_speech feeds long clips in 30 s pieces (bounded temporaries): same regions as one push."""
    x = np.concatenate([np.concatenate([speechlike(7.0, seed=i), silence(1.3)]) for i in range(10)])
    assert len(x) > 2 * 30 * SR
    vad = StreamingVad()
    one_push = tuple(vad.push(x)) + tuple(vad.flush())
    assert detect_speech(x) == one_push
    assert len(one_push) == 10


def test_streaming_emits_before_the_end() -> None:
    vad = StreamingVad()
    out = vad.push(np.concatenate([speechlike(1.5), silence(2.0)]))
    assert len(out) == 1 and out[0].end < 2.0


def test_config_is_respected() -> None:
    # a syllable: a voiced burst and a short unvoiced (fricative) tail, as speech has
    fricative = (0.02 * np.random.default_rng(3).standard_normal(800)).astype(np.float32)
    x = np.concatenate([silence(1.0), speechlike(0.15), fricative, silence(1.0)])
    assert detect_speech(x) != ()  # 0.2 s burst + 2 x 0.15 s hangover passes the 0.25 s minimum
    assert detect_speech(x, VadConfig(min_duration=0.6)) == ()


def test_accepts_float64_and_int_like_input() -> None:
    x = speechlike(2.0).astype(np.float64)
    assert detect_speech(x) == detect_speech(x.astype(np.float32))
    assert SR == 16_000


def test_amplitude_modulated_tone_is_not_speech() -> None:
    # loudness moves at syllable rate (passes the energy check) but the pitch never changes
    t = np.arange(3 * SR) / SR
    tone = (0.2 * np.sin(2 * np.pi * 440 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    assert detect_speech(tone) == ()
