"""Alert rules: the consecutive-window rule, CUSUM on window log-odds, the fast path, per-speaker
state, configuration, and the benchmark replay deciding exactly what the session decides."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthguard.errors import ConfigError
from synthguard.live import Alert, LiveConfig, LiveSession, PcmFormat, SegmentScored
from synthguard.live import session as session_module
from synthguard.live._alert import AlertRule, AlertState, logit
from synthguard.live.bench import _on_hop, _raises

from .conftest import voice


def decisions(rule: AlertRule, scores: list[float]) -> list[tuple[str, int]]:
    """(state, index of the window that decided it) for a score sequence."""
    state, out = AlertState(rule), []
    for i, s in enumerate(scores):
        d = state.update(float(i), float(i) + 3.0, s)
        if d is not None:
            out.append((d.state, i))
    return out


CUSUM = AlertRule("cusum", drift=1.0, h=4.0, max_logit=8.0)  # logit(0.9) = 2.2 -> +1.2 per window


@pytest.mark.parametrize(
    ("rule", "scores", "expected"),
    [
        # consecutive: two in a row at >= 0.9, cleared by three in a row < 0.75
        (AlertRule(), [0.95, 0.95], [("raised", 1)]),
        (AlertRule(), [0.95, 0.1, 0.95], []),
        (
            AlertRule(),
            [0.95, 0.95, 0.1, 0.1, 0.1, 0.95, 0.95],
            [("raised", 1), ("cleared", 4), ("raised", 6)],
        ),
        (AlertRule(), [0.95, 0.95, 0.1, 0.8, 0.1, 0.1], [("raised", 1)]),  # 0.8 >= 0.75 resets the clearing
        # cusum: moderate windows accumulate (1.2 each: 4 windows reach 4.8 >= 4)
        (CUSUM, [0.9] * 4, [("raised", 3)]),
        (CUSUM, [0.9] * 3, []),
        # one confident window is enough: logit(0.999) = 6.9, minus drift 1 = 5.9 >= 4
        (CUSUM, [0.999], [("raised", 0)]),
        # the max_logit clip bounds one window's weight
        (AlertRule("cusum", drift=1.0, h=4.0, max_logit=3.0), [0.999, 0.999], [("raised", 1)]),
        # confident real windows between high ones drain the evidence: no alert
        (CUSUM, [0.9, 0.9, 0.05, 0.9, 0.9, 0.05, 0.9, 0.9, 0.05], []),
        # a window at the neutral score (sigmoid(drift) = 0.731) neither adds nor removes evidence
        (CUSUM, [0.9, 0.9, 0.9, 1 / (1 + math.exp(-1.0)), 0.9], [("raised", 4)]),
        # after clearing, the evidence restarts at 0
        (CUSUM, [0.999, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9], [("raised", 0), ("cleared", 3)]),
        # fast path: one window at >= fast_threshold raises with either rule
        (AlertRule(fast_threshold=0.99), [0.5, 0.995], [("raised", 1)]),
        (AlertRule("cusum", drift=3.0, h=8.0, fast_threshold=0.99), [0.995], [("raised", 0)]),
        (AlertRule(fast_threshold=1.5), [1.0], []),  # > 1: off
    ],
)
def test_alert_rules(rule: AlertRule, scores: list[float], expected: list[tuple[str, int]]) -> None:
    assert decisions(rule, scores) == expected


def test_cusum_decision_reports_the_episode() -> None:
    state = AlertState(CUSUM)
    out = [state.update(float(i), i + 3.0, s) for i, s in enumerate([0.2, 0.9, 0.95, 0.9])]
    d = out[-1]
    assert out[:-1] == [None, None, None] and d is not None and d.state == "raised"
    assert d.start == 1.0  # the first window that added evidence
    assert d.score == 0.95 and d.windows == 3
    assert d.evidence == pytest.approx(3 * -1.0 + 2 * logit(0.9) + logit(0.95), abs=1e-3)
    assert d.threshold == pytest.approx(1 / (1 + math.exp(-1.0)), abs=1e-4)


def test_logit_is_finite_and_clipped() -> None:
    assert logit(0.5) == 0.0
    assert logit(1.0) == 8.0 and logit(0.0) == -8.0
    assert logit(0.999, clip=3.0) == 3.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "bayes"}, "rule"),
        ({"cusum_h": 0.0}, "h must"),
        ({"cusum_h": float("nan")}, "h must"),
        ({"cusum_drift": float("inf")}, "drift"),
        ({"cusum_max_logit": -1.0}, "max_logit"),
        ({"fast_threshold": 0.0}, "fast_threshold"),
    ],
)
def test_bad_rule_settings_are_refused(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        LiveConfig(detector="unused", **kwargs)


def test_rule_defaults_come_from_live_rules(monkeypatch) -> None:
    # not listed: the consecutive rule at the card threshold
    r = LiveConfig().alert_rule("test.other", 0.5)
    assert (r.kind, r.threshold, r.alert_windows, r.fast_threshold) == ("consecutive", 0.5, 2, None)
    # cusum without a listed default drifts at the logit of the threshold
    r = LiveConfig(rule="cusum").alert_rule("test.other", 0.5)
    assert (r.kind, r.drift, r.h) == ("cusum", 0.0, 4.0)
    monkeypatch.setitem(
        session_module.LIVE_RULES, "test.other", AlertRule("cusum", drift=2.0, h=3.0, fast_threshold=0.99)
    )
    r = LiveConfig().alert_rule("test.other", 0.5)
    assert (r.kind, r.drift, r.h, r.fast_threshold) == ("cusum", 2.0, 3.0, 0.99)
    r = LiveConfig(cusum_h=5.0, fast_threshold=2.0).alert_rule("test.other", 0.5)  # fields override
    assert (r.kind, r.drift, r.h, r.fast_threshold) == ("cusum", 2.0, 5.0, 2.0)
    r = LiveConfig(rule="consecutive", threshold=0.8).alert_rule("test.other", 0.5)  # the old rule stays
    assert (r.kind, r.threshold) == ("consecutive", 0.8)


def test_session_with_cusum_reports_rule_and_evidence(scripted) -> None:
    scores = [0.2, 0.9, 0.95, 0.9, 0.9, 0.2]
    cfg = LiveConfig(detector="unused", hop=1.0, window=1.0, rule="cusum", cusum_drift=1.0, cusum_h=4.0)
    s = LiveSession(PcmFormat(16_000, "f32le", 1), cfg, detector=scripted(scores))
    events = s.push(voice(len(scores)).tobytes()) + s.stop()
    assert s.started().to_dict()["rule"] == "cusum(drift=1, h=4, max_logit=8)"
    raised = [e.to_dict() for e in events if isinstance(e, Alert)]
    assert len(raised) == 1 and raised[0]["rule"] == "cusum" and raised[0]["at"] == 4.0
    assert raised[0]["start"] == 1.0 and raised[0]["evidence"] >= 4.0
    scored = [e for e in events if isinstance(e, SegmentScored)]
    assert scored[0].threshold == pytest.approx(0.7311, abs=1e-4)  # the neutral score sigmoid(drift)
    assert "alert rule: cusum(drift=1, h=4, max_logit=8)" in events[-1].to_dict()["notes"]


def test_each_speaker_has_its_own_evidence(scripted) -> None:
    cfg = LiveConfig(detector="unused", rule="cusum", cusum_drift=1.0, cusum_h=4.0)
    s = LiveSession(PcmFormat(16_000, "f32le", 1), cfg, detector=scripted([0.5]))
    assert [e.type for e in s.push(voice(10.0).tobytes())].count("alert") == 0  # audio for the clip
    out = []
    for i in range(6):  # S1 keeps sounding synthetic, S2 (interleaved) clearly real
        out += s._update_alert("S1", float(i), i + 3.0, 0.9)
        out += s._update_alert("S2", i + 0.5, i + 3.5, 0.02)
    alerts = [(e.speaker, e.at) for e in out if isinstance(e, Alert)]
    assert alerts == [("S1", 6.0)]  # a shared statistic would have been drained by S2 every window


@pytest.mark.parametrize("rule", ["consecutive", "cusum"])
def test_replay_decides_what_the_session_decides(room_audio, loudness, rule) -> None:
    """The sweep replays cached window scores; it must raise exactly where a session raises, also
    for a hop derived from the cached finer hop."""
    fmt = PcmFormat(16_000, "f32le", 1)
    x = np.concatenate([room_audio, room_audio * 0.5, room_audio])
    extra = {"rule": rule, "cusum_drift": 0.0, "cusum_h": 3.0} if rule == "cusum" else {"rule": rule}

    def session(hop: float) -> tuple[list[tuple[float, float]], list[float], AlertRule]:
        s = LiveSession(fmt, LiveConfig(detector="unused", hop=hop, **extra), detector=loudness)  # type: ignore[arg-type]
        events = s.push(x.tobytes()) + s.stop()
        windows = [(e.end, e.score) for e in events if isinstance(e, SegmentScored)]
        raised = [e.at for e in events if isinstance(e, Alert) and e.state == "raised"]
        return windows, raised, s.rule

    fine, fine_raised, r = session(0.25)
    coarse, coarse_raised, _ = session(0.5)
    assert len(fine_raised) >= 2
    assert _raises(fine, rule=r) == fine_raised
    assert _on_hop(fine, 0.25, 0.5, 3.0) == coarse
    assert _raises(_on_hop(fine, 0.25, 0.5, 3.0), rule=r) == coarse_raised
