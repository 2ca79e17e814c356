"""Two-stage alerts: the room rule proposes, a confirming detector's score on the same window decides
(ConfirmGate), in the session, the benchmark replay and the WebSocket API alike."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthguard.errors import ConfigError, MediaError
from synthguard.live import Alert, LiveConfig, LiveSession, PcmFormat, SegmentScored
from synthguard.live._alert import AlertRule, AlertState, ConfirmGate
from synthguard.live.bench import _raises
from synthguard.live.ws import create_router

from .conftest import voice

RULE = AlertRule("consecutive", threshold=0.9, alert_windows=1, clear_windows=2)


def run_gate(scores: list[float], confirms: list[float | None], threshold: float = 0.5):
    gate, out, asked = ConfirmGate(AlertState(RULE), threshold), [], []
    for i, (s, c) in enumerate(zip(scores, confirms, strict=True)):

        def ask(i: int = i, c: float | None = c) -> float | None:
            asked.append(i)
            return c

        d = gate.update(float(i), i + 2.0, s, ask)
        if d is not None:
            out.append((d.state, i, d.confirm))
    return out, asked


def test_the_alert_waits_for_the_confirming_score_and_clears_after_it() -> None:
    out, asked = run_gate([0.1, 0.95, 0.95, 0.95, 0.2, 0.2, 0.1], [0.9, 0.2, 0.4, 0.8, 0.9, 0.9, 0.9])
    assert out == [("raised", 3, 0.8), ("cleared", 5, None)]
    assert asked == [1, 2, 3]  # asked only while a proposal is open, and no more once raised


def test_an_unconfirmed_episode_leaves_no_trace() -> None:
    out, asked = run_gate([0.95, 0.95, 0.1, 0.1, 0.1], [0.1, None, 0.1, 0.9, 0.9])
    # asked while the rule's episode is open (it clears on window 3); None (no speech) never confirms;
    # nothing raised, so nothing cleared either
    assert out == [] and asked == [0, 1, 2]


def session_events(confirm_scores: list[float | None], scripted, loudness, **cfg: object):
    confirm = scripted(confirm_scores)
    s = LiveSession(
        PcmFormat(16_000, "f32le", 1),
        LiveConfig(detector="unused", rule="consecutive", threshold=0.5, alert_windows=1, **cfg),  # type: ignore[arg-type]
        detector=loudness,
        confirm=confirm,
    )
    x = np.concatenate([voice(4.0, amp=0.2), voice(4.0, amp=0.9, seed=1)])
    return s, s.push(x.tobytes()) + s.stop(), confirm


def test_session_raises_on_the_confirmed_window_and_says_so(scripted, loudness) -> None:
    s, events, confirm = session_events([0.1, 0.1, 0.9], scripted, loudness)
    raised = [e for e in events if isinstance(e, Alert) and e.state == "raised"]
    assert len(raised) == 1
    d = raised[0].to_dict()
    assert d["confirm_score"] == 0.9 and d["confirmed_by"] == "test.live_scripted"
    first_loud = min(e.end for e in events if isinstance(e, SegmentScored) and e.score >= 0.5)
    assert raised[0].at == pytest.approx(first_loud + 2 * 0.25)  # two windows unconfirmed, then raised
    assert "confirm(test.live_scripted >= 0.5)" in s.started().rule
    ended = events[-1].to_dict()
    windows = sum(1 for e in events if isinstance(e, SegmentScored))
    assert f"the confirming detector scored 3 of {windows} windows" in ended["notes"]
    assert confirm.calls == 3


def test_confirm_threshold_is_checked_and_overrides_the_card(scripted, loudness) -> None:
    with pytest.raises(ConfigError, match="confirm_threshold"):
        LiveConfig(confirm_threshold=1.5)
    _, events, _ = session_events([0.6], scripted, loudness, confirm_threshold=0.7)
    assert not [e for e in events if isinstance(e, Alert)]  # 0.6 passes the card's 0.5, not 0.7


def test_replay_decides_what_the_confirmed_session_decides(room_audio, loudness) -> None:
    """The confirming detector here is the room detector itself with a stricter threshold, so its
    window scores are the cached ones: replay and session must raise at the same times."""
    x = np.concatenate([room_audio, room_audio * 0.6, room_audio])
    cfg = LiveConfig(detector="unused", rule="cusum", cusum_drift=0.0, cusum_h=2.0, confirm_threshold=0.85)
    s = LiveSession(PcmFormat(16_000, "f32le", 1), cfg, detector=loudness, confirm=loudness)
    events = s.push(x.tobytes()) + s.stop()
    windows = [(e.end, e.score) for e in events if isinstance(e, SegmentScored)]
    raised = [e.at for e in events if isinstance(e, Alert) and e.state == "raised"]
    assert raised
    assert _raises(windows, rule=s.rule, confirm=windows, confirm_threshold=0.85) == raised
    alone = _raises(windows, rule=s.rule)
    assert len(raised) <= len(alone) and all(a <= r for a, r in zip(alone, raised, strict=False))


def test_websocket_streams_carry_the_confirmation(scripted, loudness) -> None:
    app = FastAPI()
    app.include_router(
        create_router(
            authenticate=lambda c: c,
            detector=loudness,
            confirm=scripted([0.95]),
            config=LiveConfig(detector="unused", rule="consecutive", threshold=0.5, alert_windows=1),
        )
    )
    audio = np.concatenate([voice(3.0, amp=0.2), voice(3.0, amp=0.9, seed=1)])
    with TestClient(app).websocket_connect("/v1/streams?room=r&participant=p&token=k") as ws:
        ws.send_text(json.dumps({"type": "start", "sample_rate": 16_000, "format": "f32le"}))
        started = ws.receive_json()
        assert "confirm(test.live_scripted >= 0.5)" in started["rule"]
        ws.send_bytes(audio.astype("<f4").tobytes())
        ws.send_text('{"type": "stop"}')
        events = []
        while not events or events[-1]["type"] != "ended":
            events.append(ws.receive_json())
    alerts = [e for e in events if e["type"] == "alert" and e["state"] == "raised"]
    assert len(alerts) == 1 and alerts[0]["confirmed_by"] == "test.live_scripted"


@pytest.mark.parametrize("which", ["confirm", "detector"])
def test_a_failing_detector_is_reported_and_never_raises(which, scripted, loudness) -> None:
    failing = scripted([MediaError("decoder exploded")])
    detector, confirm = (loudness, failing) if which == "confirm" else (failing, None)
    s = LiveSession(
        PcmFormat(16_000, "f32le", 1),
        LiveConfig(detector="unused", rule="consecutive", threshold=0.5, alert_windows=1),
        detector=detector,
        confirm=confirm,
    )
    x = np.concatenate([voice(3.0, amp=0.2), voice(3.0, amp=0.9, seed=1)])
    events = s.push(x.tobytes()) + s.stop()
    errors = [e.to_dict() for e in events if e.type == "error"]
    code = "confirm_failed" if which == "confirm" else "detector_failed"
    assert errors and errors[0]["code"] == code and not errors[0]["fatal"]
    assert "test.live_scripted: decoder exploded" in errors[0]["message"]
    assert not [e for e in events if isinstance(e, Alert)]
    assert events[-1].to_dict()["errors"] == len(errors)
