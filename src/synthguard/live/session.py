"""A live streaming session: PCM chunks in, detector events out.

The pipeline per chunk: decode (s16le / f32le, partial frames carried over) -> downmix -> stream
resample to 16 kHz -> bounded ring buffer -> every ``hop`` seconds of audio, the last ``window``
seconds are scored by the speech detector when they are loud enough to hold speech (the detector's
own VAD then decides; "no speech" windows emit nothing) -> alert hysteresis, optional online
diarization and speaker-consistency checks -> events.

Windows end at fixed multiples of ``hop`` on the stream clock, so the events depend only on the
audio, never on how it was chunked. The session is not thread-safe; one connection owns one.

Example:
    >>> import numpy as np
    >>> from synthguard.live import LiveConfig, LiveSession, PcmFormat
    >>> s = LiveSession(PcmFormat(16_000, "f32le", 1), LiveConfig(detector="test.constant",
    ...                 detector_kwargs={"score": 0.9}))
    >>> tone = (0.3 * np.sin(np.arange(64_000) / 5.0)).astype(np.float32)
    >>> events = s.push(tone.tobytes()) + s.stop()
    >>> [e.type for e in events][:3], events[-1].alerts
    (['segment_scored', 'segment_scored', 'alert'], 1)
"""

from __future__ import annotations

import io
import math
import uuid
import wave
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..detectors import Detector, create_detector
from ..errors import ConfigError, SynthguardError
from ..media import Audio
from ..speech.vad import StreamingVad
from ._alert import RULES, AlertRule, AlertState, ConfirmGate, RuleKind, logit
from ._pcm import TARGET_RATE, PcmDecoder, PcmFormat, StreamingResampler
from ._ring import RingBuffer
from ._voice import OnlineDiarizer, cosine, voice_embedding
from .events import (
    Alert,
    Ended,
    Enrolled,
    LiveEvent,
    SegmentScored,
    SpeakerMismatch,
    SpeakerTimeline,
    Started,
    StreamError,
)

__all__ = ["DEFAULT_DETECTOR", "LIVE_RULES", "LIVE_THRESHOLDS", "AlertRule", "LiveConfig", "LiveSession"]

# live rooms run their own bundled speech model (detectors/speech.py says why it differs from the file one)
DEFAULT_DETECTOR = "audio.synthetic_voice_live"

# Per-window alert thresholds for the sustained-window rule, chosen on the speech ``val`` split with
# ``python -m synthguard.live.bench sweep var/speech/data/labels.csv --split val`` (docs/benchmarks/live.md).
# A card's threshold is tuned for whole-clip scores; single 2 s windows are noisier.
LIVE_THRESHOLDS: dict[str, float] = {"audio.synthetic_voice_live": 0.9, "audio.synthetic_voice": 0.9}

# Per-detector default alert rule (what ``LiveConfig`` fields left at None resolve to). Detectors not
# listed get the ``consecutive`` rule at ``LIVE_THRESHOLDS`` / the card threshold.
# Chosen on the speech ``val`` split with ``python -m synthguard.live.bench sweep ... --split val``
# (docs/benchmarks/live.md): the most streams alerted within 2 s of the onset at no more than one
# false alert in val's 562 s of real speech.
LIVE_RULES: dict[str, AlertRule] = {
    # room model 2.5.0 (three calibrated members averaged): one window >= 0.924 raises (log-odds 2.5 - 2
    # >= 0.5); val 84 of 96 within 2 s, p95 1.94 s (2.1.0 alone at drift 3 / h 1: 82, 2.42 s)
    "audio.synthetic_voice_live": AlertRule("cusum", drift=2.0, h=0.5, max_logit=5.0),
    # the file model (2.3.0) when a room names it: the best of its own val sweep with 2 s windows
    "audio.synthetic_voice": AlertRule("cusum", drift=4.0, h=1.0, max_logit=5.0),
}


@dataclass(frozen=True)
class LiveConfig:
    """How a live session scores and when it alerts.

    Attributes:
        detector: registered detector name scoring each window (``audio.synthetic_voice``).
        detector_kwargs: constructor arguments of the detector (ignored when a detector is passed in).
        window: seconds of audio per scored window. The speech model is trained on 3 s windows, half of
            them starting with up to 2 s of real speech, so it is sure of a window whose last second
            is synthetic; 2 s windows (the default) fill with a new voice a second sooner than 3 s
            ones (val sweep over 1-3 s in docs/benchmarks/live.md).
        hop: seconds of stream between window ends; smaller = lower alert latency, more CPU.
        rule: the alert rule, ``"consecutive"`` or ``"cusum"`` (None: ``LIVE_RULES`` for the detector,
            else ``"consecutive"``); see :mod:`synthguard.live._alert`.
        threshold: ``consecutive``: score at or above which a window counts as synthetic (None:
            ``LIVE_THRESHOLDS`` for the detector, else its card's threshold).
        alert_windows: ``consecutive``: windows in a row at or above ``threshold`` that raise an alert.
        cusum_drift: ``cusum``: log-odds a window must exceed to add evidence (None: ``LIVE_RULES``,
            else the logit of the threshold).
        cusum_h: ``cusum``: accumulated log-odds evidence that raises an alert (None: ``LIVE_RULES``, else 4).
        cusum_max_logit: ``cusum``: a window's log-odds is clipped to +-this (None: ``LIVE_RULES``, else 8).
        fast_threshold: one window at or above this raises at once, with either rule (None:
            ``LIVE_RULES``, else no fast path; a value > 1 turns it off).
        clear_threshold: an alert clears only below this (hysteresis; None: the window threshold - 0.15).
        clear_windows: consecutive windows below ``clear_threshold`` that clear it.
        min_rms_db: windows quieter than this (dBFS) are not sent to the detector at all.
        ring_seconds: audio kept in memory (bounds memory per stream; >= window and enroll time).
        diarize: label windows with speakers ``S1``, ``S2``... (for a mixed room stream).
        speaker_threshold: cosine similarity at which a window joins an existing speaker.
        max_speakers: upper bound of diarized speakers.
        voice_detector: detector comparing windows with the enrolled voice (``audio.voice_match``,
            built with ``reference=<enrolled audio>``); None or unavailable: the built-in MFCC signature.
        mismatch_threshold: for the built-in signature, the cosine similarity below which a window
            does not match (``audio.voice_match`` uses its card's threshold).
        mismatch_windows: consecutive non-matching windows that emit ``speaker_mismatch``.
        enroll_seconds: default seconds of recent audio an ``enroll`` uses.
        confirm_detector: a second detector that must agree before an alert is raised
            (:class:`~synthguard.live._alert.ConfirmGate`): the rule above proposes, and the alert is
            raised on the first window of the episode that this detector also scores at or above
            ``confirm_threshold``. It runs only while a proposal is open. ``"audio.synthetic_voice"``
            (the file model) cuts false alerts on real conversations several-fold at some latency
            (docs/benchmarks/live.md); None (default): the rule alone raises.
        confirm_threshold: the confirming detector's window score that confirms (None: its card threshold).
        max_timeline_windows: windows kept for the ``ended`` summary (older ones are dropped).
    """

    detector: str = DEFAULT_DETECTOR
    detector_kwargs: Mapping[str, Any] = field(default_factory=dict)
    window: float = 2.0
    hop: float = 0.25
    rule: RuleKind | None = None
    threshold: float | None = None
    clear_threshold: float | None = None
    alert_windows: int = 2
    clear_windows: int = 3
    cusum_drift: float | None = None
    cusum_h: float | None = None
    cusum_max_logit: float | None = None
    fast_threshold: float | None = None
    min_rms_db: float = -50.0
    ring_seconds: float = 12.0
    diarize: bool = False
    speaker_threshold: float = 0.87
    max_speakers: int = 8
    voice_detector: str | None = "audio.voice_match"
    mismatch_threshold: float = 0.80
    mismatch_windows: int = 6  # 1.5 s of stream at the 0.25 s hop
    enroll_seconds: float = 5.0
    max_timeline_windows: int = 20_000
    confirm_detector: str | None = None
    confirm_threshold: float | None = None

    def __post_init__(self) -> None:
        if not (0.5 <= self.window <= 10.0):
            raise ConfigError(f"window must be 0.5-10 s, got {self.window}")
        if not (0.05 <= self.hop <= self.window):
            raise ConfigError(f"hop must be 0.05 s up to the window ({self.window} s), got {self.hop}")
        if self.ring_seconds < max(self.window, self.enroll_seconds) + 1.0:
            raise ConfigError("ring_seconds must exceed the window and enroll_seconds by >= 1 s")
        for name in ("threshold", "clear_threshold", "confirm_threshold"):
            v = getattr(self, name)
            if v is not None and not 0.0 <= v <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {v}")
        if self.alert_windows < 1 or self.clear_windows < 1 or self.mismatch_windows < 1:
            raise ConfigError("alert_windows, clear_windows and mismatch_windows must be >= 1")
        if self.rule is not None and self.rule not in RULES:
            raise ConfigError(f"rule must be one of {', '.join(RULES)}, got {self.rule!r}")
        # the cusum parameters are checked by AlertRule once resolved; fail early on the obvious
        AlertRule(
            "cusum",
            drift=0.0 if self.cusum_drift is None else self.cusum_drift,
            h=4.0 if self.cusum_h is None else self.cusum_h,
            max_logit=8.0 if self.cusum_max_logit is None else self.cusum_max_logit,
            fast_threshold=self.fast_threshold,
        )

    def alert_rule(self, detector: str, card_threshold: float) -> AlertRule:
        """The alert rule of a stream scored by ``detector``: these fields, defaults from ``LIVE_RULES``."""
        base = LIVE_RULES.get(detector)
        thr = self.threshold if self.threshold is not None else LIVE_THRESHOLDS.get(detector, card_threshold)
        kind = self.rule or (base.kind if base is not None else "consecutive")
        if self.cusum_drift is not None:
            drift = self.cusum_drift
        elif base is not None and base.kind == "cusum":
            drift = base.drift
        else:
            drift = logit(thr, 20.0)

        def pick(value: float | None, name: str, fallback: float | None) -> float | None:
            if value is not None:
                return value
            return getattr(base, name) if base is not None else fallback

        return AlertRule(
            kind,
            threshold=float(thr),
            alert_windows=self.alert_windows,
            drift=float(drift),
            h=float(pick(self.cusum_h, "h", 4.0) or 4.0),
            max_logit=float(pick(self.cusum_max_logit, "max_logit", 8.0) or 8.0),
            fast_threshold=pick(self.fast_threshold, "fast_threshold", None),
            clear_threshold=self.clear_threshold,
            clear_windows=self.clear_windows,
        )


def _wav(x: npt.NDArray[np.float32]) -> bytes:
    """16-bit mono WAV bytes of 16 kHz samples (the evidence clip of an alert)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(TARGET_RATE)
        w.writeframes((np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())
    return buf.getvalue()


@dataclass
class _Track:
    """Per-speaker state: timeline and alert hysteresis."""

    windows: deque[tuple[float, float, float]]
    alerts: list[tuple[float, float]] = field(default_factory=list)
    max_score: float | None = None
    speech_seconds: float = 0.0
    last_end: float = 0.0
    alert: AlertState | None = None
    gate: ConfirmGate | None = None
    truncated: bool = False


class LiveSession:
    """One participant's (or one mixed room's) stream.

    Args:
        fmt: the audio format of the incoming bytes.
        config: scoring and alert settings.
        detector: a ready detector to share between sessions (thread-safe ones only, like the ONNX
            speech detector); default: ``create_detector(config.detector, **config.detector_kwargs)``.
        stream_id: an id echoed in ``started`` (default: random).
        speaker: label of this stream's voice in timelines when not diarizing (e.g. the participant).
        confirm: a ready confirming detector to share (default: built from ``config.confirm_detector``,
            if set).
    """

    def __init__(
        self,
        fmt: PcmFormat,
        config: LiveConfig | None = None,
        *,
        detector: Detector | None = None,
        stream_id: str | None = None,
        speaker: str = "participant",
        confirm: Detector | None = None,
    ) -> None:
        self.fmt = fmt
        self.config = config or LiveConfig()
        c = self.config
        self.detector = detector or create_detector(c.detector, **dict(c.detector_kwargs))
        self.detector_name = self.detector.card.name
        self.rule = c.alert_rule(self.detector_name, self.detector.card.threshold)
        self.threshold = float(self.rule.window_threshold)
        self.clear_threshold = float(self.rule.clear_below)
        self.confirm: Detector | None = None
        self.confirm_threshold: float | None = None
        if c.confirm_detector or confirm is not None:
            self.confirm = confirm or create_detector(c.confirm_detector or "")
            thr = c.confirm_threshold if c.confirm_threshold is not None else self.confirm.card.threshold
            self.confirm_threshold = float(thr)
        self.rule_text = self.rule.describe() + (
            f" + confirm({self.confirm.card.name} >= {self.confirm_threshold:g})"
            if self.confirm is not None
            else ""
        )
        self.stream_id = stream_id or uuid.uuid4().hex[:16]
        self.speaker = speaker
        self._decoder = PcmDecoder(fmt)
        self._resampler = StreamingResampler(fmt.sample_rate, TARGET_RATE)
        self._ring = RingBuffer(round(c.ring_seconds * TARGET_RATE))
        self._vad = StreamingVad()
        self._win = round(c.window * TARGET_RATE)
        self._hop = round(c.hop * TARGET_RATE)
        self._next_end = self._win  # absolute sample index where the next window ends
        self._last_scored_end = 0
        self._min_power = 10.0 ** (c.min_rms_db / 10.0)
        self._tracks: dict[str, _Track] = {}
        self._diarizer = OnlineDiarizer(c.speaker_threshold, c.max_speakers) if c.diarize else None
        self._enrolled: npt.NDArray[np.float32] | None = None  # built-in signature of the enrolled voice
        self._voice_match: Detector | None = None  # or audio.voice_match built on the enrolled audio
        self._mm_run, self._mm_start, self._mm_max, self._mm_active = 0, 0.0, 0.0, False
        self.windows_scored = 0
        self.alerts = 0
        self.mismatches = 0
        self.errors = 0
        self.speech_seconds = 0.0
        self._ended: Ended | None = None
        self.dropped_events = 0  # set by transports that drop events for slow clients
        self.windows_skipped = 0  # windows not scored because the server was behind real time

    # ------------------------------------------------------------------ public API
    @property
    def duration(self) -> float:
        """Seconds of 16 kHz audio received so far."""
        return self._ring.total / TARGET_RATE

    @property
    def ended(self) -> bool:
        return self._ended is not None

    @property
    def memory_bytes(self) -> int:
        """Approximate bytes this session holds (ring buffer + timelines)."""
        return self._ring.nbytes + sum(len(t.windows) for t in self._tracks.values()) * 80

    def started(self) -> Started:
        """The ``started`` event describing this session."""
        return Started(
            self.fmt.sample_rate,
            self.fmt.format,
            self.fmt.channels,
            self.detector_name,
            self.threshold,
            self.config.window,
            self.config.hop,
            self.stream_id,
            self.rule_text,
        )

    def push(self, data: bytes, score: bool = True) -> list[LiveEvent]:
        """Feed raw PCM bytes (any length, frames may be split); returns the events they caused.

        ``score=False`` (set by a transport that has fallen behind real time) buffers the audio but
        skips the windows that end in it, so an overloaded server catches up instead of lagging more.
        """
        if self._ended is not None:
            return [StreamError("ended", "the stream has ended; open a new one")]
        before = self._decoder.non_finite
        mono = self._decoder.push(data)
        events: list[LiveEvent] = []
        if self._decoder.non_finite > before:
            self.errors += 1
            events.append(
                StreamError(
                    "non_finite_samples",
                    f"{self._decoder.non_finite - before} NaN/inf "
                    "samples were replaced by silence; send finite f32le samples in [-1, 1]",
                )
            )
        events.extend(self._feed(self._resampler.push(mono), score))
        return events

    def push_samples(self, samples: npt.NDArray[np.floating]) -> list[LiveEvent]:
        """Feed float samples in the session's format (interleaved when several channels)."""
        x = np.asarray(samples, dtype="<f4").reshape(-1)
        if self.fmt.format == "s16le":
            return self.push((np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())
        return self.push(x.tobytes())

    def enroll(self, seconds: float | None = None, embedding: list[float] | None = None) -> list[LiveEvent]:
        """Set the participant's reference voice from recent audio, or from a stored embedding."""
        if embedding is not None:
            try:
                emb = np.asarray(embedding, dtype=np.float32).reshape(-1)
            except (TypeError, ValueError):
                emb = np.zeros(0, dtype=np.float32)
            if emb.shape != (2 * 19,) or not np.all(np.isfinite(emb)) or float(np.linalg.norm(emb)) == 0:
                self.errors += 1
                return [
                    StreamError(
                        "bad_enroll", "embedding must be the 38 finite numbers of an earlier 'enrolled' event"
                    )
                ]
            self._enrolled = emb / float(np.linalg.norm(emb))
            self._voice_match = None
            self._mm_run, self._mm_active = 0, False
            return [Enrolled(0.0, tuple(float(v) for v in self._enrolled), "embedding")]
        secs = self.config.enroll_seconds if seconds is None else float(seconds)
        if not math.isfinite(secs) or not 1.0 <= secs <= self.config.ring_seconds - 1.0:
            self.errors += 1
            return [StreamError("bad_enroll", f"seconds must be 1 to {self.config.ring_seconds - 1:g}")]
        n = min(round(secs * TARGET_RATE), self._ring.total - self._ring.oldest)
        audio = self._ring.get(self._ring.total - n, self._ring.total) if n > 0 else np.zeros(0, np.float32)
        voice = voice_embedding(audio)
        if voice is None:
            self.errors += 1
            return [
                StreamError(
                    "not_enough_speech",
                    f"enroll needs >= 0.5 s of voiced audio in the last "
                    f"{secs:g} s; speak, then send enroll again",
                )
            ]
        self._mm_run, self._mm_active = 0, False
        self._enrolled, self._voice_match = voice, None
        if self.config.voice_detector:
            try:
                self._voice_match = create_detector(self.config.voice_detector, reference=audio)
            except SynthguardError:  # not installed / no model / too little speech for it
                self._voice_match = None
        if self._voice_match is not None:
            self._enrolled = None
            return [Enrolled(n / TARGET_RATE, (), "stream", self._voice_match.card.name)]
        return [Enrolled(n / TARGET_RATE, tuple(float(v) for v in voice), "stream")]

    def stop(self, reason: str = "stop") -> list[LiveEvent]:
        """Flush the tail, score a last partial window, and return the events ending with ``ended``."""
        if self._ended is not None:
            return []
        events = self._feed(self._resampler.flush())
        for region in self._vad.flush():
            self.speech_seconds += region.duration
        total = self._ring.total
        tail = total - self._last_scored_end
        if tail >= self._hop and total > 0 and (total >= self._win // 2):
            events.extend(self._score(max(0, total - self._win), total))
        for track in self._tracks.values():  # an episode still open at the end is reported as raised
            if track.alert is not None:
                track.alert.flush()
        self._ended = Ended(
            reason=reason,
            duration=round(self.duration, 3),
            windows_scored=self.windows_scored,
            max_score=max(
                (t.max_score for t in self._tracks.values() if t.max_score is not None), default=None
            ),
            alerts=self.alerts,
            speaker_mismatches=self.mismatches,
            threshold=self.threshold,
            detector=self.detector_name,
            timelines=self.timelines(),
            dropped_events=self.dropped_events,
            errors=self.errors,
            notes=self._notes(),
        )
        events.append(self._ended)
        return events

    def timelines(self) -> tuple[SpeakerTimeline, ...]:
        """Per-speaker timelines so far (one, named after the stream's speaker, when not diarizing)."""
        return tuple(
            SpeakerTimeline(
                name, tuple(t.windows), tuple(t.alerts), t.max_score, round(t.speech_seconds, 3), t.truncated
            )
            for name, t in self._tracks.items()
        )

    # ------------------------------------------------------------------ internals
    def _notes(self) -> tuple[str, ...]:
        notes = [
            f"speech (VAD): {self.speech_seconds:.1f} s of {self.duration:.1f} s",
            f"alert rule: {self.rule_text}",
        ]
        gates = [t.gate for t in self._tracks.values() if t.gate is not None]
        if gates:
            notes.append(
                f"the confirming detector scored {sum(g.asked for g in gates)} of {self.windows_scored} windows"
            )
        if self.windows_skipped:
            notes.append(f"{self.windows_skipped} windows were not scored: the server was behind real time")
        if self._diarizer is not None:
            notes.append(
                "speakers from a simple online clustering of MFCC statistics: overlapping speech, "
                "turn changes inside a window and similar voices are not separated"
            )
        if self._decoder.pending_bytes:
            notes.append(f"{self._decoder.pending_bytes} trailing bytes did not form a whole frame")
        return tuple(notes)

    def _feed(self, x: npt.NDArray[np.float32], score: bool = True) -> list[LiveEvent]:
        events: list[LiveEvent] = []
        # a chunk longer than the ring is fed in pieces, so no window is evicted before it is scored
        step = max(self._hop, self._ring.capacity - self._win)
        for i in range(0, len(x), step):
            piece = x[i : i + step]
            self._ring.append(piece)
            for region in self._vad.push(piece):
                self.speech_seconds += region.duration
            while self._next_end <= self._ring.total:
                end = self._next_end
                self._next_end += self._hop
                if score:
                    events.extend(self._score(end - self._win, end))
                else:
                    self.windows_skipped += 1
        return events

    def _score(self, a: int, b: int) -> list[LiveEvent]:
        self._last_scored_end = b
        x = self._ring.get(a, b)
        if len(x) == 0 or float(np.mean(np.square(x, dtype=np.float64))) < self._min_power:
            return []
        try:
            ev = self.detector.detect(Audio(x, TARGET_RATE))
        except SynthguardError as exc:
            self.errors += 1
            return [StreamError("detector_failed", f"{self.detector_name}: {exc}")]
        if ev.score is None:
            return []
        score = float(ev.score)
        start, end = a / TARGET_RATE, b / TARGET_RATE
        self.windows_scored += 1
        emb = voice_embedding(x) if (self._diarizer is not None or self._enrolled is not None) else None
        speaker = self.speaker
        if self._diarizer is not None:
            speaker = self._diarizer.assign(emb) if emb is not None else "unknown"
        events: list[LiveEvent] = [SegmentScored(start, end, score, self.threshold, speaker)]
        events.extend(self._update_alert(speaker, start, end, score, x))
        if self._voice_match is not None:
            try:
                vm = self._voice_match.detect(Audio(x, TARGET_RATE))
            except SynthguardError:
                vm = None
            if vm is not None and vm.score is not None:
                events.extend(self._update_mismatch(speaker, start, end, vm.score, vm.threshold, vm.detector))
        elif self._enrolled is not None and emb is not None:
            diff = 1.0 - cosine(emb, self._enrolled)
            events.extend(
                self._update_mismatch(
                    speaker, start, end, diff, 1.0 - self.config.mismatch_threshold, "mfcc-cosine"
                )
            )
        return events

    def _track(self, speaker: str) -> _Track:
        t = self._tracks.get(speaker)
        if t is None:
            state = AlertState(self.rule)
            gate = ConfirmGate(state, self.confirm_threshold or 0.0) if self.confirm is not None else None
            t = self._tracks[speaker] = _Track(
                deque(maxlen=self.config.max_timeline_windows), alert=state, gate=gate
            )
        return t

    def _confirm_score(self, x: npt.NDArray[np.float32], errors: list[LiveEvent]) -> float | None:
        """The confirming detector's score of one window (None: it found no speech, or it failed,
        which adds a non-fatal ``confirm_failed`` error to ``errors``; the proposal stays open)."""
        assert self.confirm is not None
        try:
            ev = self.confirm.detect(Audio(x, TARGET_RATE))
        except SynthguardError as exc:
            self.errors += 1
            errors.append(StreamError("confirm_failed", f"{self.confirm.card.name}: {exc}"))
            return None
        return None if ev.score is None else float(ev.score)

    def _update_alert(
        self,
        speaker: str,
        start: float,
        end: float,
        score: float,
        x: npt.NDArray[np.float32] | None = None,
    ) -> list[LiveEvent]:
        t = self._track(speaker)
        if len(t.windows) == t.windows.maxlen:
            t.truncated = True
        t.windows.append((start, end, score))
        t.max_score = score if t.max_score is None else max(t.max_score, score)
        t.speech_seconds += end - max(start, t.last_end)
        t.last_end = end
        assert t.alert is not None
        errors: list[LiveEvent] = []
        if t.gate is not None:
            d = t.gate.update(
                start, end, score, lambda: None if x is None else self._confirm_score(x, errors)
            )
        else:
            d = t.alert.update(start, end, score)
        if d is None:
            return errors
        if d.state == "cleared":
            return [
                Alert("cleared", d.start, end, d.score, d.threshold, d.windows, speaker, rule=self.rule.kind)
            ]
        self.alerts += 1
        if len(t.alerts) < 1000:
            t.alerts.append((d.start, end))
        clip = _wav(
            self._ring.get(
                max(self._ring.oldest, round((d.start - 1.0) * TARGET_RATE)),
                round(end * TARGET_RATE),
            )
        )
        return [
            Alert(
                "raised",
                d.start,
                end,
                d.score,
                d.threshold,
                d.windows,
                speaker,
                clip,
                self.rule.kind,
                d.evidence,
                d.confirm,
                self.confirm.card.name if self.confirm is not None else None,
            )
        ]

    def _update_mismatch(
        self, speaker: str, start: float, end: float, score: float, threshold: float, method: str
    ) -> list[LiveEvent]:
        c = self.config
        if score >= threshold:
            if self._mm_run == 0:
                self._mm_start, self._mm_max = start, score
            self._mm_run += 1
            self._mm_max = max(self._mm_max, score)
            if self._mm_run >= c.mismatch_windows and not self._mm_active:
                self._mm_active = True
                self.mismatches += 1
                return [
                    SpeakerMismatch(
                        self._mm_start,
                        end,
                        self._mm_max,
                        round(threshold, 4),
                        c.mismatch_windows,
                        speaker,
                        method,
                    )
                ]
        else:
            self._mm_run, self._mm_active = 0, False
        return []
