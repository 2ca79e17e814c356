"""``audio.synthetic_voice``: is this speech synthesized or voice-converted?

A small CNN on the raw 16 kHz samples (ONNX, shipped in ``synthguard/models/speech``; log-mel models
of the 1.x line still load) scores 3 s windows laid over the speech that the VAD found (silence is
not evidence); window logits are Platt-calibrated on a
held-out split, and the clip score is the mean of the top half of the window scores. Clips without
speech get ``score=None`` and a note. Trained and documented by ``synthguard train speech``.

Example:
    >>> import numpy as np
    >>> from synthguard.detectors import create_detector
    >>> from synthguard.media import Audio
    >>> ev = create_detector("audio.synthetic_voice").detect(Audio(np.zeros(16_000, np.float32)))
    >>> ev.score is None, ev.notes[0].startswith("no speech")
    (True, True)
"""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._onnx import onnx_session, ort_threads
from ..errors import DetectorError, DetectorInputError
from ..media import Audio, Media, Video
from ..results import Artifact, Evidence, Segment
from ..speech.analysis import FRONTS, HOP_SECONDS, WINDOW_SECONDS, aggregate, window_inputs
from ..speech.features import SAMPLE_RATE
from ..speech.vad import detect_speech
from .base import Detector, DetectorCard, bundled_card, candidate_card, verify_weights
from .registry import register_detector

__all__ = [
    "LiveSyntheticVoiceDetector",
    "SyntheticVoiceDetector",
    "audio_samples",
    "timeline_artifacts",
    "window_evidence",
]

MODELS = resources.files("synthguard") / "models"


@cache
def _card_json(subdir: str) -> dict[str, Any]:
    return bundled_card(subdir)


def _card(subdir: str, name: str, purpose: str, default_enabled: bool = True) -> DetectorCard:
    c = _card_json(subdir)
    metrics = {k: float(v) for k, v in c.get("metrics", {}).items()}
    return DetectorCard(
        name=name,
        version=str(c.get("version", "0")),
        modalities=("audio",),
        description="Synthetic / voice-converted speech detector: "
        f"{'raw-waveform' if c.get('input', {}).get('front') == 'wave' else 'log-mel'} CNN on 3 s VAD "
        f"windows, calibrated clip score and per-window timeline; {purpose}.",
        threshold=float(c.get("threshold", 0.5)),
        input_spec="mono audio, any rate (resampled to 16 kHz), 0.5 s and up; scored on speech only",
        weights_file=c.get("weights_file"),
        weights_sha256=c.get("sha256"),
        training_data=str(c.get("training_data", "")),
        licence="Apache-2.0 (code); model: research use, see card.json terms",
        metrics=metrics,
        limitations=str(c.get("limitations", "")),
        default_enabled=default_enabled,
    )


def audio_samples(media: Media, detector: str) -> npt.NDArray[np.float32]:
    """16 kHz mono float32 samples of an Audio, or of a Video's audio track."""
    audio = media.audio if isinstance(media, Video) else media
    if isinstance(media, Video) and audio is None:
        raise DetectorInputError(f"{detector}: the video has no audio track")
    if not isinstance(audio, Audio):
        raise DetectorInputError(f"{detector} takes audio (or a video with audio), got {media.kind}")
    x = np.asarray(audio.samples, dtype=np.float32)
    if x.ndim == 2:  # tolerate (samples, channels) arrays built by hand
        x = x.mean(axis=1 if x.shape[1] <= 8 else 0).astype(np.float32)
    if audio.sample_rate != SAMPLE_RATE:
        import scipy.signal

        g = int(np.gcd(audio.sample_rate, SAMPLE_RATE))
        x = scipy.signal.resample_poly(x, SAMPLE_RATE // g, audio.sample_rate // g).astype(np.float32)
    return x


def timeline_artifacts(
    detector: str,
    segments: list[Segment],
    duration: float,
    regions: list[tuple[float, float]],
    threshold: float,
    *,
    plot: bool,
) -> tuple[Artifact, ...]:
    """A JSON timeline (always) and a PNG plot (when ``plot``) of window scores over time."""
    doc = {
        "detector": detector,
        "duration": duration,
        "threshold": threshold,
        "speech": [{"start": a, "end": b} for a, b in regions],
        "windows": [{"start": s.start, "end": s.end, "score": s.score} for s in segments],
    }
    arts = [Artifact("timeline.json", "timeline", "application/json", data=json.dumps(doc).encode())]
    if plot and segments:
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 2.2), dpi=80)
        for a, b in regions:
            ax.axvspan(a, b, color="0.9", lw=0)
        for s in segments:
            ax.plot(
                [s.start, s.end],
                [s.score or 0.0, s.score or 0.0],
                color="tab:red" if (s.score or 0) >= threshold else "tab:blue",
                lw=3,
            )
        ax.axhline(threshold, color="0.4", ls="--", lw=1)
        ax.set(xlim=(0, max(duration, 1e-3)), ylim=(-0.03, 1.03), xlabel="seconds", ylabel="P(synthetic)")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        arts.append(Artifact("timeline.png", "timeline", "image/png", data=buf.getvalue()))
    return tuple(arts)


def window_evidence(
    card: DetectorCard,
    segments: list[Segment],
    duration: float,
    regions: list[tuple[float, float]],
    *,
    plot: bool,
    started: float,
    note: str,
) -> Evidence:
    """Evidence of a window-scoring speech detector: the clip score aggregated from ``segments``
    with its timeline artifacts, or ``score=None`` and a "no speech" note when nothing was scored."""
    if not segments:
        return Evidence(
            card.name,
            card.version,
            "audio",
            None,
            card.threshold,
            notes=("no speech found (VAD): silence, noise, tones or music are not scored",),
            seconds=time.perf_counter() - started,
            artifacts=timeline_artifacts(card.name, [], duration, regions, card.threshold, plot=False),
        )
    score = aggregate(np.array([s.score for s in segments], dtype=np.float64))
    return Evidence(
        card.name,
        card.version,
        "audio",
        score,
        card.threshold,
        segments=tuple(segments),
        artifacts=timeline_artifacts(card.name, segments, duration, regions, card.threshold, plot=plot),
        notes=(note,),
        seconds=time.perf_counter() - started,
    )


@register_detector("audio.synthetic_voice")
class SyntheticVoiceDetector(Detector):
    """Scores speech windows with the bundled ONNX model; silence and non-speech are skipped.

    Args:
        model_path: another ONNX file with the same input/output (default: the bundled model,
            checked against the card's sha256), with the bundled card's calibration and threshold.
        model_dir: a folder with another ``card.json`` and the ONNX file it names (a candidate from
            ``synthguard train speech --out DIR``): its sha256 is checked, its calibration used, and
            evidence reports its version and threshold.
        hop: seconds between window starts (default 2.0; windows are 3 s).
        threads: onnxruntime intra-op threads (default 1, or ``SYNTHGUARD_ORT_THREADS``).
        plot: also return a PNG timeline artifact (costs ~0.1 s per clip).
        batch: windows per onnxruntime call; bounds memory on hour-long clips.
    """

    model_subdir = "speech"
    card = _card(model_subdir, "audio.synthetic_voice", "the model for files (clip scores)")

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        model_dir: str | Path | None = None,
        hop: float = HOP_SECONDS,
        threads: int | None = None,
        plot: bool = False,
        batch: int = 64,
    ) -> None:

        if model_dir is not None and model_path is not None:
            raise DetectorError(f"{self.card.name}: pass model_dir or model_path, not both")
        card_json = _card_json(self.model_subdir)
        if model_dir is not None:
            card_json, self.card = candidate_card(model_dir, self.card)
            path = verify_weights(Path(model_dir) / str(self.card.weights_file), self.card.weights_sha256)
        elif model_path is None:
            if not self.card.weights_file:
                raise DetectorError(
                    f"{self.card.name}: no bundled model (models/{self.model_subdir}/card.json missing); "
                    "run `synthguard train speech`"
                )
            bundled = MODELS / self.model_subdir / self.card.weights_file
            path = verify_weights(Path(str(bundled)), self.card.weights_sha256)
        else:
            path = verify_weights(Path(model_path), None)
        c = card_json.get("calibration", {})
        self.a, self.b = float(c.get("a", 1.0)), float(c.get("b", 0.0))
        self.hop, self.plot, self.batch = float(hop), bool(plot), max(1, int(batch))
        self.session = onnx_session(path, ort_threads(threads), owner=self.card.name)
        # the model's front end is its input's name: "wave" (raw samples) or "mel" (log-mel, 1.x models)
        self.front = self.session.get_inputs()[0].name
        if self.front not in FRONTS:
            raise DetectorError(
                f"audio.synthetic_voice: {path.name} reads an input named {self.front!r}; "
                f"a speech model reads one of {', '.join(FRONTS)}"
            )

    def window_scores(
        self, samples: npt.NDArray[np.float32]
    ) -> tuple[list[Segment], list[tuple[float, float]]]:
        """Calibrated per-window scores and the VAD speech regions of 16 kHz mono samples."""
        regions = detect_speech(samples)
        segments: list[Segment] = []
        # windows and features in bounded batches: an hour of audio never holds all features at once
        step = self.batch * self.hop
        total = len(samples) / SAMPLE_RATE
        start = 0.0
        while start < total:
            stop = start + step
            part = [r for r in regions if r.end > start and r.start < stop]
            if part:
                # keep window starts inside [start, stop); the window itself may reach past stop
                a = int(start * SAMPLE_RATE)
                b = min(len(samples), int((stop + WINDOW_SECONDS) * SAMPLE_RATE))
                shifted = [type(r)(max(0.0, r.start - start), min(r.end, stop) - start) for r in part]
                windows, inputs = window_inputs(self.front, samples[a:b], hop=self.hop, regions=shifted)
                if len(windows):
                    logits = self.session.run(None, {self.front: inputs})[0].reshape(-1).astype(np.float64)
                    probs = 1.0 / (1.0 + np.exp(-np.clip(self.a * logits + self.b, -60.0, 60.0)))
                    segments.extend(
                        Segment(round(w.start + start, 3), round(w.end + start, 3), float(p))
                        for w, p in zip(windows, probs, strict=True)
                    )
            start = stop
        return segments, [(r.start, r.end) for r in regions]

    def detect(self, media: Media) -> Evidence:
        t0 = time.perf_counter()
        samples = audio_samples(media, self.card.name)
        duration = len(samples) / SAMPLE_RATE
        segments, regions = self.window_scores(samples)
        speech = sum(b - a for a, b in regions)
        return window_evidence(
            self.card,
            segments,
            duration,
            regions,
            plot=self.plot,
            started=t0,
            note=f"{len(segments)} windows over {speech:.1f} s of speech in {duration:.1f} s; "
            "clip score = mean of the top half of window scores",
        )


@register_detector("audio.synthetic_voice_live")
class LiveSyntheticVoiceDetector(SyntheticVoiceDetector):
    """The speech model that live rooms use by default (``synthguard.live``), bundled beside the one
    for files: the same network and contract, other weights (``synthguard/models/speech_live``).

    Files and live rooms ask different things of a model. A file is judged by its clip score,
    which a model can reach while single windows stay unsure; a live alert has to come from a few
    windows that are only partly synthetic at the onset. Since 2.5.0 the room model is three
    full-band members in one graph (2.1.0 and two seeds of its recipe trained with pseudo-vocoded
    reals), each member's calibrated log-odds averaged: no single seed of that recipe is reliably quick
    at onsets (val: 69-82 of 96 streams within 2 s), their average is (84, p95 1.94 s, at no more
    than one false alert; docs/benchmarks/live.md), at three times 2.1.0's CPU per window. The file
    model (2.4.0) is the better clip scorer but slower to call a short window synthetic.
    Off by default in file scans; name it to run it on files.
    """

    model_subdir = "speech_live"
    card = _card(
        model_subdir,
        "audio.synthetic_voice_live",
        "the model for live rooms (fast window-level onsets)",
        default_enabled=False,
    )
