"""Alert rules: when a stream of per-window scores becomes an ``alert``, and when the alert clears.

Two rules, both per speaker and both cleared by the same hysteresis:

* ``consecutive`` (the first rule): raise after ``alert_windows`` consecutive windows scoring at or
  above ``threshold``.
* ``cusum`` (Page's CUSUM on the windows' log-odds): ``S = max(0, S + clip(logit(score)) - drift)``;
  raise when ``S >= h``. ``drift`` is the log-odds a window must exceed to add evidence (the neutral
  score is ``sigmoid(drift)``), ``h`` how much accumulated evidence raises. CUSUM is the standard
  sequential test for "detect a change as early as possible at a bounded false-alarm rate": one very
  confident window, or several moderately confident ones, raise; scattered high windows in real
  speech are forgotten because confident real windows drain ``S`` back to 0. Windows overlap, so
  their evidence is not independent: ``drift`` and ``h`` are tuned on data, not derived.

Both rules may also raise at once on a single window at or above ``fast_threshold``. An alert
clears after ``clear_windows`` consecutive windows below ``clear_threshold``; then ``S`` restarts at 0.

A second model may have to agree (:class:`ConfirmGate`): the rule above only *proposes* an alert,
and it is raised on the first window of that episode that the confirming model also scores at or
above its own threshold. The confirming model runs only while a proposal is open, so a cheap room
model screens every window and a stronger, slower one is asked only about the suspicious ones.

The same :class:`AlertState` runs inside :class:`~synthguard.live.LiveSession` and in the
benchmark's replay of cached scores (``python -m synthguard.live.bench sweep``), so the sweep
measures exactly what the session does.

Example:
    >>> rule = AlertRule("cusum", drift=1.0, h=4.0)
    >>> state = AlertState(rule)
    >>> [d.state if (d := state.update(t, t + 3.0, 0.95)) else None for t in range(3)]
    [None, None, 'raised']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from ..errors import ConfigError

__all__ = ["RULES", "AlertDecision", "AlertRule", "AlertState", "ConfirmGate", "logit"]

RuleKind = Literal["consecutive", "cusum"]
RULES: tuple[RuleKind, ...] = ("consecutive", "cusum")


def logit(p: float, clip: float = 8.0) -> float:
    """Log-odds of a probability, limited to ``[-clip, clip]`` (a score of exactly 0 or 1 is finite)."""
    p = min(max(float(p), 1e-9), 1.0 - 1e-9)
    return max(-clip, min(clip, math.log(p / (1.0 - p))))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class AlertRule:
    """A resolved alert rule (every parameter set; see the module docstring).

    Attributes:
        kind: ``"consecutive"`` or ``"cusum"``.
        threshold: ``consecutive``: per-window score that counts; ``cusum``: ignored, the neutral
            score ``sigmoid(drift)`` is used (see :attr:`window_threshold`).
        alert_windows: ``consecutive``: windows in a row that raise.
        drift: ``cusum``: log-odds subtracted from every window's log-odds.
        h: ``cusum``: evidence that raises.
        max_logit: ``cusum``: a window's log-odds is clipped to ``[-max_logit, max_logit]``.
        fast_threshold: a single window at or above it raises (None: no fast path).
        clear_threshold: score below which a window counts towards clearing (None: window
            threshold - 0.15).
        clear_windows: windows in a row below ``clear_threshold`` that clear an alert.
    """

    kind: RuleKind = "consecutive"
    threshold: float = 0.9
    alert_windows: int = 2
    drift: float = 0.0
    h: float = 4.0
    max_logit: float = 8.0
    fast_threshold: float | None = None
    clear_threshold: float | None = None
    clear_windows: int = 3

    def __post_init__(self) -> None:
        if self.kind not in RULES:
            raise ConfigError(f"rule must be one of {', '.join(RULES)}, got {self.kind!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.alert_windows < 1 or self.clear_windows < 1:
            raise ConfigError("alert_windows and clear_windows must be >= 1")
        if not (math.isfinite(self.drift) and -20.0 <= self.drift <= 20.0):
            raise ConfigError(f"cusum drift must be a log-odds in [-20, 20], got {self.drift}")
        if not (math.isfinite(self.h) and self.h > 0.0):
            raise ConfigError(f"cusum h must be > 0, got {self.h}")
        if not (math.isfinite(self.max_logit) and self.max_logit > 0.0):
            raise ConfigError(f"max_logit must be > 0, got {self.max_logit}")
        if self.fast_threshold is not None and (
            math.isnan(self.fast_threshold) or self.fast_threshold <= 0.0
        ):
            raise ConfigError(f"fast_threshold must be > 0 (> 1 disables it), got {self.fast_threshold}")
        if self.clear_threshold is not None and not 0.0 <= self.clear_threshold <= 1.0:
            raise ConfigError(f"clear_threshold must be in [0, 1], got {self.clear_threshold}")

    @property
    def window_threshold(self) -> float:
        """The per-window score shown with each window: at or above it a window counts as synthetic."""
        return self.threshold if self.kind == "consecutive" else round(sigmoid(self.drift), 4)

    @property
    def clear_below(self) -> float:
        return (
            self.clear_threshold
            if self.clear_threshold is not None
            else max(0.0, self.window_threshold - 0.15)
        )

    def describe(self) -> str:
        """A short, stable description (``ended`` notes, benchmark output)."""
        if self.kind == "consecutive":
            s = f"consecutive(threshold={self.threshold:g}, windows={self.alert_windows})"
        else:
            s = f"cusum(drift={self.drift:g}, h={self.h:g}, max_logit={self.max_logit:g})"
        if self.fast_threshold is not None and self.fast_threshold <= 1.0:
            s += f" + fast({self.fast_threshold:g})"
        return s


@dataclass(frozen=True)
class AlertDecision:
    """A change of alert state decided on one window."""

    state: Literal["raised", "cleared"]
    start: float  # raised: start of the episode's first window; cleared: start of the deciding window
    score: float  # raised: the episode's highest score; cleared: the deciding window's score
    threshold: float
    windows: int  # windows that made the decision
    evidence: float | None = None  # cusum: S when raised
    confirm: float | None = None  # the confirming model's score on the window that raised (ConfirmGate)


@dataclass
class AlertState:
    """The alert state of one speaker; feed it every scored window in stream order."""

    rule: AlertRule
    evidence: float = 0.0
    run: int = 0  # windows in the current episode (or under the clear threshold when alerting)
    run_start: float = 0.0
    run_max: float = 0.0
    alerting: bool = False

    def update(self, start: float, end: float, score: float) -> AlertDecision | None:
        """Account one window; returns a decision when the alert is raised or cleared on it."""
        r = self.rule
        if self.alerting:
            if score < r.clear_below:
                self.run += 1
                if self.run >= r.clear_windows:
                    self.alerting, self.run, self.evidence = False, 0, 0.0
                    return AlertDecision("cleared", start, score, r.clear_below, r.clear_windows)
            else:
                self.run = 0
            return None
        if r.kind == "cusum":
            s = max(0.0, self.evidence + logit(score, r.max_logit) - r.drift)
            if s > 0.0:
                if self.evidence == 0.0:
                    self.run, self.run_start, self.run_max = 0, start, score
                self.run += 1
                self.run_max = max(self.run_max, score)
            else:
                self.run = 0
            self.evidence = s
            hit = s >= r.h
        else:
            if score >= r.threshold:
                if self.run == 0:
                    self.run_start, self.run_max = start, score
                self.run += 1
                self.run_max = max(self.run_max, score)
            else:
                self.run = 0
            hit = self.run >= r.alert_windows
        if not hit and r.fast_threshold is not None and score >= r.fast_threshold:
            if self.run == 0:
                self.run_start, self.run_max = start, score
            self.run = max(self.run, 1)
            self.run_max = max(self.run_max, score)
            hit = True
        if not hit:
            return None
        d = AlertDecision(
            "raised",
            self.run_start,
            self.run_max,
            r.window_threshold,
            self.run,
            round(self.evidence, 4) if r.kind == "cusum" else None,
        )
        self.alerting, self.run, self.evidence = True, 0, 0.0
        return d

    def flush(self) -> None:
        """End of stream: forget a partial episode (an open alert stays reported as raised)."""
        self.run = 0


@dataclass
class ConfirmGate:
    """Two-stage alerting: ``state``'s rule proposes, a second model's score on the same window confirms.

    :meth:`update` asks ``confirm_score`` (a callable, so the second model runs only when needed)
    on every window from the one the rule raised on until the episode clears or the score reaches
    ``threshold``; the first such window raises. A proposal that clears unconfirmed leaves no trace,
    and ``cleared`` is only reported for an alert that was raised.

    Example:
        >>> gate = ConfirmGate(AlertState(AlertRule("consecutive", 0.9, 1)), threshold=0.5)
        >>> [d.state if (d := gate.update(t, t + 2.0, 0.95, lambda: c)) else None
        ...  for t, c in enumerate([0.2, 0.7])]
        [None, 'raised']
    """

    state: AlertState
    threshold: float
    proposal: AlertDecision | None = None
    raised: bool = False
    asked: int = 0  # how many windows the confirming model scored

    def update(
        self, start: float, end: float, score: float, confirm_score: Callable[[], float | None]
    ) -> AlertDecision | None:
        d = self.state.update(start, end, score)
        if d is not None and d.state == "cleared":
            shown = self.raised
            self.proposal, self.raised = None, False
            return d if shown else None
        if d is not None:
            self.proposal = d
        if self.proposal is None or self.raised:
            return None
        self.asked += 1
        c = confirm_score()
        if c is None or c < self.threshold:
            return None
        self.raised = True
        return replace(self.proposal, confirm=round(float(c), 4))
