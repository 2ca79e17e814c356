"""The scan pipeline: load once, run the detectors that fit the medium, let the policy decide.

Example:
    >>> import synthguard
    >>> report = synthguard.scan("examples/media/sample.jpg", detectors=["test.*"])  # doctest: +SKIP
    >>> report.verdict.decision  # doctest: +SKIP
    'pass'
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from ._version import __version__
from .detectors import Detector, create_detector, detector_card, list_detectors
from .errors import DetectorError, UnknownDetectorError
from .media import Audio, FrameSampling, Image, Limits, Media, MediaSource, Video, load, read_source
from .policy import DEFAULT_POLICY, Policy, Signals
from .results import Artifact, Evidence, FrameScore, MediaInfo, Region, ScanReport, Timing

__all__ = [
    "ASSUME_FACE_DETECTORS",
    "Hook",
    "Scanner",
    "aggregate_frames",
    "explicit_traces",
    "provenance_signals",
    "resolve_detectors",
    "scan",
]


class Hook(Protocol):
    """Receives progress and artifacts: ``hook(step, payload, completed=.., total=..)``.

    Steps: ``"loaded"`` (payload: MediaInfo), ``"detector"`` (payload: Evidence, with completed /
    total), ``"artifact"`` (payload: (Evidence, Artifact)), ``"done"`` (payload: ScanReport).
    The CLI turns these into a progress bar; the service stores the artifacts.
    """

    def __call__(
        self, step: str, payload: Any, *, completed: int | None = None, total: int | None = None
    ) -> None: ...


def resolve_detectors(patterns: Sequence[str] | None = None) -> list[str]:
    """Expand names / glob patterns into registered detector names.

    ``None`` means the default set: every detector whose card is ``default_enabled``, except ``test.*``.
    """
    available = list_detectors()
    if not patterns:
        return [n for n in available if not n.startswith("test.") and detector_card(n).default_enabled]
    names: list[str] = []
    for pattern in patterns:
        matched = [n for n in available if fnmatch.fnmatchcase(n, pattern)]
        if not matched:
            raise UnknownDetectorError(
                f"no detector matches {pattern!r}; registered: {', '.join(available) or 'none'}"
            )
        names.extend(m for m in matched if m not in names)
    return names


def aggregate_frames(scores: Sequence[float]) -> float:
    """Video score from frame scores: the mean of the top quarter (at least one frame).

    Robust to a single odd frame, yet a manipulation in a quarter of the video is enough.
    """
    if not scores:
        raise ValueError("no frame scores")
    top = sorted(scores, reverse=True)[: max(1, math.ceil(len(scores) / 4))]
    return float(sum(top) / len(top))


# Detectors that take ``assume_face=True`` for inputs that already are face crops.
ASSUME_FACE_DETECTORS = ("face.manipulation", "face.mesonet")

ProvenanceReader = Callable[[bytes, str], tuple[Signals, dict[str, Any] | None]]


def provenance_signals(data: bytes, name: str) -> tuple[Signals, dict[str, Any] | None]:
    """Read the file's own claims (GB 45438 AIGC label, C2PA, IPTC) as policy signals.

    Uses :mod:`synthguard.provenance` when it is importable; otherwise no signals.
    """
    try:
        from .provenance import inspect_bytes
    except ImportError:
        return Signals(), None
    return inspect_bytes(data, name)


def explicit_traces(media: Media) -> tuple[bool, dict[str, Any] | None]:
    """Look for explicit AI labels in the content itself (the audio "AI" prompt; cheap checks only).

    Uses :mod:`synthguard.provenance.traces` when importable; otherwise nothing is found.
    """
    try:
        from .provenance.traces import find_traces
    except ImportError:
        return False, None
    traces = find_traces(media)
    return bool(traces.explicit_label), traces.to_dict()


class Scanner:
    """Builds the detectors once and scans many items (what the service, batch and CLI reuse).

    Args:
        detectors: names or glob patterns (``["image.*", "audio.synthetic_voice"]``);
            None = every production detector.
        policy: decision rules (default :data:`synthguard.policy.DEFAULT_POLICY`).
        limits / sampling: passed to :func:`synthguard.media.load`.
        detector_options: keyword arguments per detector name for ``create_detector``.
        read_provenance: read implicit labels / C2PA / IPTC from the file and pass them to the policy.
    """

    def __init__(
        self,
        detectors: Sequence[str] | None = None,
        *,
        policy: Policy | None = None,
        limits: Limits | None = None,
        sampling: FrameSampling | None = None,
        detector_options: dict[str, dict[str, Any]] | None = None,
        read_provenance: bool = True,
    ) -> None:
        self.names = resolve_detectors(detectors)
        self.policy = policy or DEFAULT_POLICY
        self.limits = limits or Limits()
        self.sampling = sampling or FrameSampling()
        self.read_provenance = read_provenance
        options = detector_options or {}
        self._cards = {n: detector_card(n) for n in self.names}
        self._detectors: dict[str, Detector] = {}
        self._options = options

    def _detector(self, name: str) -> Detector:
        if name not in self._detectors:  # built lazily: an audio-only run never loads image models
            self._detectors[name] = create_detector(name, **self._options.get(name, {}))
        return self._detectors[name]

    def plan(self, media: Media) -> list[tuple[str, str]]:
        """Which detectors run on this medium, and how: (name, "direct" | "frames" | "audio")."""
        plan: list[tuple[str, str]] = []
        for name in self.names:
            modalities = self._cards[name].modalities
            if media.kind in modalities:
                plan.append((name, "direct"))
            elif isinstance(media, Video) and "image" in modalities:
                plan.append((name, "frames"))
            elif isinstance(media, Video) and "audio" in modalities and media.audio is not None:
                plan.append((name, "audio"))
        return plan

    def scan(
        self,
        source: MediaSource,
        *,
        name: str | None = None,
        declared_ai: bool = False,
        hook: Hook | None = None,
    ) -> ScanReport:
        """Scan one file (path or bytes) and return its :class:`ScanReport`.

        Raises:
            MediaError: the input cannot be used (the report is not produced).
        """
        t_start = time.perf_counter()
        data, source_name = read_source(source, self.limits)
        source_name = name or source_name
        sha256 = hashlib.sha256(data).hexdigest()
        media = load(data, limits=self.limits, sampling=self.sampling)
        t_loaded = time.perf_counter()
        info = media_info(media)
        if hook:
            hook("loaded", info)
        timings = [Timing("load", t_loaded - t_start)]

        provenance: dict[str, Any] | None = None
        signals = Signals(declared_ai=declared_ai)
        if self.read_provenance:
            t0 = time.perf_counter()
            found, provenance = provenance_signals(data, source_name)
            explicit, traces = explicit_traces(media)
            if traces is not None:
                provenance = {**(provenance or {}), "traces": traces}
            signals = Signals(
                implicit_label=found.implicit_label,
                implicit_label_source=found.implicit_label_source,
                declared_ai=declared_ai or found.declared_ai,
                explicit_label_detected=found.explicit_label_detected or explicit,
            )
            timings.append(Timing("provenance", time.perf_counter() - t0))

        plan = self.plan(media)
        evidence: list[Evidence] = []
        for i, (det_name, how) in enumerate(plan):
            t0 = time.perf_counter()
            ev = self._run(det_name, how, media)
            elapsed = time.perf_counter() - t0
            evidence.append(ev)
            timings.append(Timing(f"detector:{det_name}", elapsed))
            if hook:
                hook("detector", ev, completed=i + 1, total=len(plan))
                for art in ev.artifacts:
                    hook("artifact", (ev, art))

        t0 = time.perf_counter()
        verdict = self.policy.decide(evidence, signals)
        timings.append(Timing("policy", time.perf_counter() - t0))
        timings.append(Timing("total", time.perf_counter() - t_start))
        report = ScanReport(
            source=source_name,
            sha256=sha256,
            media=info,
            evidence=tuple(evidence),
            verdict=verdict,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            synthguard_version=__version__,
            timings=tuple(timings),
            provenance=provenance,
        )
        if hook:
            hook("done", report)
        return report

    def _run(self, name: str, how: str, media: Media) -> Evidence:
        card = self._cards[name]
        try:
            detector = self._detector(name)
            if how == "direct":
                return detector.detect(media)
            if how == "audio":
                assert isinstance(media, Video) and media.audio is not None
                return detector.detect(media.audio)
            assert isinstance(media, Video)
            return _detect_frames(detector, media)
        except DetectorError as exc:
            note = f"error: {exc}"
        except Exception as exc:  # a detector bug must not lose the scan: record it, send to review
            note = f"error: {type(exc).__name__}: {exc}"
        modality = "audio" if how == "audio" else media.kind
        return Evidence(name, card.version, modality, None, card.threshold, notes=(note,))  # type: ignore[arg-type]


def _detect_frames(detector: Detector, video: Video) -> Evidence:
    """Run an image detector on each sampled frame and aggregate into one video Evidence."""
    card = detector.card
    t0 = time.perf_counter()
    frames: list[FrameScore] = []
    regions: list[Region] = []
    notes: list[str] = []
    best: tuple[float, tuple[Artifact, ...]] = (-1.0, ())
    for vf in video.frames:
        ev = detector.detect(vf.image)
        frames.append(FrameScore(vf.index, vf.time, ev.score))
        regions.extend(
            Region(r.x, r.y, r.width, r.height, r.score, r.label, vf.index, vf.time, r.track_id)
            for r in ev.regions
        )
        notes.extend(n for n in ev.notes if n not in notes)
        if ev.score is not None and ev.score > best[0]:
            best = (
                ev.score,
                tuple(
                    Artifact(f"frame{vf.index}-{a.name}", a.kind, a.media_type, a.data) for a in ev.artifacts
                ),
            )
    scores = [f.score for f in frames if f.score is not None]
    score = aggregate_frames(scores) if scores else None
    return Evidence(
        card.name,
        card.version,
        "video",
        score,
        card.threshold,
        regions=tuple(regions),
        frames=tuple(frames),
        artifacts=best[1],
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
    )


def media_info(media: Media) -> MediaInfo:
    """The :class:`MediaInfo` summary of a loaded medium."""
    if isinstance(media, Image):
        return MediaInfo("image", media.format, media.size_bytes, width=media.width, height=media.height)
    if isinstance(media, Audio):
        return MediaInfo(
            "audio",
            media.format,
            media.size_bytes,
            duration=media.duration,
            sample_rate=media.source_sample_rate,
            channels=media.source_channels,
            has_audio=True,
        )
    return MediaInfo(
        "video",
        media.format,
        media.size_bytes,
        width=media.width,
        height=media.height,
        duration=media.duration,
        fps=media.fps,
        frames_sampled=len(media.frames),
        has_audio=media.audio is not None,
        rotation=media.rotation,
        sample_rate=media.audio.source_sample_rate if media.audio else None,
        channels=media.audio.source_channels if media.audio else None,
    )


_SCANNERS: dict[tuple[str, ...] | None, Scanner] = {}


def scan(
    source: MediaSource,
    *,
    detectors: Sequence[str] | None = None,
    declared_ai: bool = False,
    policy: Policy | None = None,
    limits: Limits | None = None,
    hook: Hook | None = None,
    name: str | None = None,
    detector_options: dict[str, dict[str, Any]] | None = None,
) -> ScanReport:
    """Scan one image, video or audio file and return its :class:`~synthguard.results.ScanReport`.

    Args:
        source: a path or the file's bytes (type sniffed from content).
        detectors: names or glob patterns; default every production detector.
        declared_ai: the uploader declared the content AI-generated (Art. 6 case 2).
        policy / limits: override the defaults.
        hook: progress and artifact callback, see :class:`Hook`.
        detector_options: keyword arguments per detector, e.g.
            ``{"face.manipulation": {"assume_face": True}}`` for inputs that are face crops.

    Example:
        >>> import synthguard
        >>> r = synthguard.scan("examples/media/sample.wav", detectors=["test.*"])  # doctest: +SKIP
        >>> r.media.kind, r.verdict.decision  # doctest: +SKIP
        ('audio', 'pass')
    """
    if policy is not None or limits is not None or detector_options:
        scanner = Scanner(detectors, policy=policy, limits=limits, detector_options=detector_options)
    else:
        key = tuple(detectors) if detectors is not None else None
        scanner = _SCANNERS.get(key) or _SCANNERS.setdefault(key, Scanner(detectors))
    return scanner.scan(source, name=name, declared_ai=declared_ai, hook=hook)
