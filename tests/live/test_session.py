"""The live session: chunking invariance, formats, resampling, bounded memory, alert hysteresis."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from synthguard.errors import ConfigError
from synthguard.live import (
    Alert,
    Ended,
    LiveConfig,
    LiveSession,
    PcmFormat,
    RingBuffer,
    SegmentScored,
    SpeakerMismatch,
    StreamError,
    StreamingResampler,
)
from synthguard.live._voice import cosine, voice_embedding

from .conftest import voice


def encode(x: np.ndarray, fmt: str, channels: int) -> bytes:
    inter = np.repeat(x[:, None], channels, axis=1).reshape(-1)
    if fmt == "s16le":
        return (np.clip(inter, -1, 1) * 32767).astype("<i2").tobytes()
    return inter.astype("<f4").tobytes()


def resample(x: np.ndarray, rate: int) -> np.ndarray:
    if rate == 16_000:
        return x
    g = np.gcd(rate, 16_000)
    return scipy.signal.resample_poly(x, rate // g, 16_000 // g).astype(np.float32)


def run(data: bytes, fmt: PcmFormat, detector, sizes: list[int] | None, **cfg) -> list[dict]:
    s = LiveSession(fmt, LiveConfig(detector="unused", **cfg), detector=detector, stream_id="x")
    events = []
    if sizes is None:
        events += s.push(data)
    else:
        i, k = 0, 0
        while i < len(data):
            n = sizes[k % len(sizes)]
            events += s.push(data[i : i + n])
            i, k = i + n, k + 1
    events += s.stop()
    return [e.to_dict() for e in events]


@pytest.mark.parametrize(
    ("rate", "fmt", "channels"),
    [
        (16_000, "s16le", 1),
        (16_000, "f32le", 1),
        (48_000, "s16le", 2),
        (44_100, "f32le", 1),
        (8_000, "s16le", 1),
        (22_050, "f32le", 2),
    ],
)
def test_events_do_not_depend_on_chunk_sizes(room_audio, loudness, rate, fmt, channels) -> None:
    data = encode(resample(room_audio, rate), fmt, channels)
    pf = PcmFormat(rate, fmt, channels)  # type: ignore[arg-type]
    reference = run(data, pf, loudness, None)
    assert [e["type"] for e in reference].count("alert") >= 1
    for sizes in ([1], [3, 7, 1001], [4096], [160 * 2 * channels], [65_537]):
        if sizes == [1] and len(data) > 400_000:
            sizes = [1, 2, 3]
        part = data[:40_000] if sizes in ([1], [1, 2, 3]) else data
        ref = reference if part is data else run(part, pf, loudness, None)
        assert run(part, pf, loudness, sizes) == ref, sizes


def test_loud_synthetic_span_raises_then_clears_one_alert(room_audio, loudness) -> None:
    events = run(encode(room_audio, "f32le", 1), PcmFormat(16_000, "f32le", 1), loudness, None)
    alerts = [e for e in events if e["type"] == "alert"]
    assert [a["state"] for a in alerts] == ["raised", "cleared"]
    raised = alerts[0]
    assert 3.0 <= raised["at"] <= 5.0  # onset at 3 s; the alert comes within 2 s
    ended = events[-1]
    assert ended["type"] == "ended" and ended["alerts"] == 1 and ended["flagged"]
    assert ended["duration"] == pytest.approx(12.0)
    assert ended["timelines"][0]["speaker"] == "participant"
    assert len(ended["timelines"][0]["windows"]) == ended["windows_scored"]


@pytest.mark.parametrize("rate", [8_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000])
def test_streaming_resampler_matches_resample_poly(rate) -> None:
    x = np.random.default_rng(rate).standard_normal(rate).astype(np.float32) * 0.1
    r = StreamingResampler(rate)
    y = np.concatenate([*(r.push(c) for c in np.array_split(x, 13)), r.flush()])
    g = np.gcd(rate, 16_000)
    ref = scipy.signal.resample_poly(x.astype(np.float64), 16_000 // g, rate // g)
    assert len(y) == len(ref)
    assert np.abs(y - ref).max() < 1e-5


def test_resampled_stereo_48k_keeps_pitch_and_duration() -> None:
    t = np.arange(48_000 * 2) / 48_000
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    s = LiveSession(PcmFormat(48_000, "s16le", 2), LiveConfig(detector="test.audio_energy"))
    s.push(encode(x, "s16le", 2))
    s.stop()
    assert s.duration == pytest.approx(2.0)
    y = s._ring.get(0, 32_000)
    peak = np.argmax(np.abs(np.fft.rfft(y))) * 16_000 / len(y)
    assert peak == pytest.approx(440, abs=1)
    assert np.abs(y[1000:-1000]).max() == pytest.approx(0.5, abs=0.01)


def test_s16_and_f32_give_the_same_decisions(room_audio, loudness) -> None:
    a = run(encode(room_audio, "s16le", 1), PcmFormat(16_000, "s16le", 1), loudness, [3200])
    b = run(encode(room_audio, "f32le", 1), PcmFormat(16_000, "f32le", 1), loudness, [3200])
    assert [(e["type"], e.get("state")) for e in a] == [(e["type"], e.get("state")) for e in b]
    sa = [e["score"] for e in a if e["type"] == "segment_scored"]
    sb = [e["score"] for e in b if e["type"] == "segment_scored"]
    assert np.allclose(sa, sb, atol=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "s24le"}, "format"),
        ({"sample_rate": 4000}, "sample_rate"),
        ({"sample_rate": 16000.5}, "sample_rate"),
        ({"channels": 0}, "channels"),
        ({"channels": 9}, "channels"),
        ({"channels": True}, "channels"),
    ],
)
def test_bad_formats_are_refused_with_a_clear_message(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        PcmFormat(**kwargs)


def test_non_finite_f32_samples_are_replaced_and_reported(loudness) -> None:
    x = voice(4.0)
    x[100:200] = np.nan
    s = LiveSession(PcmFormat(16_000, "f32le", 1), LiveConfig(detector="unused"), detector=loudness)
    events = s.push(x.astype("<f4").tobytes()) + s.stop()
    errors = [e for e in events if isinstance(e, StreamError)]
    assert errors and errors[0].code == "non_finite_samples" and not errors[0].fatal
    assert all(np.isfinite(e.score) for e in events if isinstance(e, SegmentScored))


def test_ring_buffer_is_bounded_and_addressed_by_absolute_index() -> None:
    rb = RingBuffer(1000)
    data = np.arange(5000, dtype=np.float32)
    for chunk in np.array_split(data, 37):
        rb.append(chunk)
    assert rb.total == 5000 and rb.oldest == 4000 and rb.nbytes == 4000
    assert np.array_equal(rb.get(4100, 5000), data[4100:5000])
    rb.append(np.arange(5000, 7500, dtype=np.float32))  # bigger than the capacity at once
    assert np.array_equal(rb.get(6500, 7500), np.arange(6500, 7500, dtype=np.float32))
    with pytest.raises(ValueError, match="not in the buffer"):
        rb.get(6000, 6600)


def test_session_memory_stays_bounded_over_a_long_stream(loudness) -> None:
    s = LiveSession(
        PcmFormat(16_000, "s16le", 1),
        LiveConfig(detector="unused", ring_seconds=8.0, max_timeline_windows=50),
        detector=loudness,
    )
    chunk = encode(voice(2.0), "s16le", 1)
    sizes = []
    for _ in range(60):  # two minutes
        s.push(chunk)
        sizes.append(s.memory_bytes)
    assert s._ring.capacity == 8 * 16_000
    assert max(sizes) == sizes[30]  # flat once the timeline cap is reached
    ended = s.stop()[-1]
    assert isinstance(ended, Ended) and ended.timelines[0].truncated


def test_alert_hysteresis(scripted) -> None:
    # threshold 0.5 (card), clear below 0.35, 2 windows to raise, 3 to clear
    scores = [0.9, 0.4, 0.9, 0.9, 0.45, 0.3, 0.3, 0.4, 0.3, 0.3, 0.3, 0.9, 0.9, 0.2]
    det = scripted(scores)
    s = LiveSession(
        PcmFormat(16_000, "f32le", 1), LiveConfig(detector="unused", hop=1.0, window=1.0), detector=det
    )
    events = s.push(voice(len(scores)).tobytes()) + s.stop()
    alerts = [(e.state, e.at) for e in events if isinstance(e, Alert)]
    # window k ends at k+1 s: raised at window 3 (end 4 s), a 0.4 (>= clear) resets the clear run,
    # cleared at window 10 (end 11 s), raised again at window 12 (end 13 s)
    assert alerts == [("raised", 4.0), ("cleared", 11.0), ("raised", 13.0)]
    assert s.alerts == 2


def test_windows_without_speech_are_not_scored(scripted) -> None:
    det = scripted([None, 0.9])
    s = LiveSession(PcmFormat(16_000, "f32le", 1), LiveConfig(detector="unused"), detector=det)
    silence = np.zeros(16_000 * 5, dtype=np.float32)
    events = s.push(silence.tobytes()) + s.stop()
    assert det.calls == 0  # under min_rms_db: the detector is not even called
    assert [e.type for e in events] == ["ended"]


def test_voice_embedding_separates_different_voices() -> None:
    a1, a2 = voice_embedding(voice(3.0, seed=1)), voice_embedding(voice(3.0, seed=2))
    b = voice_embedding(voice(3.0, f0=210, formants=(400, 2000, 3000), seed=3))
    assert a1 is not None and a2 is not None and b is not None
    assert cosine(a1, a2) > 0.95 > cosine(a1, b)
    assert voice_embedding(np.zeros(48_000, np.float32)) is None


def test_enroll_then_another_voice_emits_speaker_mismatch(loudness) -> None:
    cfg = LiveConfig(detector="unused", voice_detector=None)  # the built-in MFCC signature
    s = LiveSession(PcmFormat(16_000, "f32le", 1), cfg, detector=loudness)
    s.push(voice(6.0).tobytes())
    enrolled = s.enroll(5.0)
    assert enrolled[0].type == "enrolled" and len(enrolled[0].embedding) == 38
    same = s.push(voice(6.0, seed=5).tobytes())
    assert not [e for e in same if isinstance(e, SpeakerMismatch)]
    other = s.push(voice(6.0, f0=210, formants=(400, 2000, 3000), seed=6).tobytes())
    mm = [e for e in other if isinstance(e, SpeakerMismatch)]
    assert len(mm) == 1 and mm[0].score > 0.2 and mm[0].method == "mfcc-cosine" and 12.0 <= mm[0].at <= 16.0
    # the stored embedding re-enrolls without audio
    s2 = LiveSession(PcmFormat(16_000, "f32le", 1), cfg, detector=loudness)
    assert s2.enroll(embedding=list(enrolled[0].embedding))[0].type == "enrolled"
    assert s2.enroll(embedding=[1.0, 2.0])[0].type == "error"
    assert s2.enroll(3.0)[0].code == "not_enough_speech"  # type: ignore[union-attr]


def test_diarize_labels_turns_of_two_voices(loudness) -> None:
    a = lambda seed: voice(4.0, seed=seed)  # noqa: E731
    b = lambda seed: voice(4.0, f0=210, formants=(400, 2000, 3000), seed=seed)  # noqa: E731
    x = np.concatenate([a(1), b(2), a(3)])
    s = LiveSession(
        PcmFormat(16_000, "f32le", 1), LiveConfig(detector="unused", diarize=True, hop=1.0), detector=loudness
    )
    events = s.push(x.tobytes()) + s.stop()
    spk = {e.end: e.speaker for e in events if isinstance(e, SegmentScored)}
    # 2 s windows (the default) that lie inside one turn
    assert spk[2.0] == spk[4.0] == "S1" and spk[6.0] == spk[8.0] == "S2" and spk[10.0] == spk[12.0] == "S1"
    # a window spanning a turn change matches neither voice: at most a one-window speaker
    ended = events[-1]
    assert isinstance(ended, Ended)
    extra = [t for t in ended.timelines if t.speaker not in ("S1", "S2")]
    assert len(ended.timelines) - len(extra) == 2 and all(len(t.windows) == 1 for t in extra)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hop": 0.0}, "hop"),
        ({"window": 20.0}, "window"),
        ({"threshold": 1.5}, "threshold"),
        ({"ring_seconds": 3.0}, "ring_seconds"),
        ({"alert_windows": 0}, "alert_windows"),
    ],
)
def test_bad_live_config(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        LiveConfig(**kwargs)


def test_ended_stream_refuses_more_audio(loudness) -> None:
    s = LiveSession(PcmFormat(), LiveConfig(detector="unused"), detector=loudness)
    assert s.stop()[-1].type == "ended"
    assert s.stop() == []
    assert s.push(b"\0\0")[0].type == "error"


def test_behind_real_time_windows_are_skipped_not_queued(loudness) -> None:
    s = LiveSession(PcmFormat(16_000, "f32le", 1), LiveConfig(detector="unused", hop=0.5), detector=loudness)
    skipped = s.push(voice(6.0, amp=0.9).tobytes(), score=False)
    assert skipped == [] and s.windows_skipped == 9  # windows ending at 2.0, 2.5, ... 6.0 s
    scored = s.push(voice(1.0, amp=0.9).tobytes())
    assert [e.end for e in scored if isinstance(e, SegmentScored)] == [6.5, 7.0]
    assert "not scored" in " ".join(s.stop()[-1].notes)  # type: ignore[union-attr]


def test_diarizer_replaces_a_one_window_speaker_instead_of_keeping_it() -> None:
    from synthguard.live import OnlineDiarizer

    a, b = np.array([1.0, 0.0, 0.0], np.float32), np.array([0.0, 1.0, 0.0], np.float32)
    mix = np.array([0.7, 0.7, 0.0], np.float32)  # a window across a turn change: neither voice
    d = OnlineDiarizer(threshold=0.9)
    assert [d.assign(e) for e in (a, a, mix, b, b, a)] == ["S1", "S1", "S2", "S2", "S2", "S1"]
    assert [c.label for c in d.clusters] == ["S1", "S2"]
    # a speaker with two windows is kept; the first speaker is never provisional
    d2 = OnlineDiarizer(threshold=0.9)
    assert [d2.assign(e) for e in (a, b, b, mix)] == ["S1", "S2", "S2", "S3"]
