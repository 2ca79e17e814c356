"""Live-room benchmark: alert latency from the onset of synthetic speech, real-time factor, and how
many concurrent real-time streams one server process sustains, with CPU and memory per stream.

Run ``synthguard live-bench latency LABELS.csv`` and ``synthguard live-bench capacity``; results go
to stdout as JSON (the numbers in ``docs/benchmarks/live.md`` come from these commands).

Latency streams are a real clip followed by a synthetic one (both from the ``test`` split of a
labels CSV with ``file,label,split`` columns). The onset is where the synthetic *speech* starts:
the synthetic clip's start plus the start of its first voice-activity region (the session's own
VAD; synthesizers lead with up to ~0.4 s of silence, which no detector can call synthetic).
Latency = stream time of the ``alert`` minus that onset, plus the wall-clock time the session
needed to process the chunk that raised it (what a real-time client would wait on top). An alert
before the onset is counted as early (a false alert). Every result also gives the latency from
where the synthetic clip starts (``*_from_clip_start_*``), the definition used before 2026-11-27.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..detectors import create_detector
from ..media import Audio, load
from ..speech.vad import detect_speech
from ._alert import RULES, AlertRule, AlertState, ConfirmGate, logit
from ._pcm import PcmFormat
from .events import Alert, SegmentScored
from .session import DEFAULT_DETECTOR, LiveConfig, LiveSession

__all__ = ["capacity", "latency"]

RATE = 16_000


def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _clips(labels: Path, split: str) -> tuple[list[Path], list[tuple[Path, str]]]:
    real, fake = [], []
    with labels.open(newline="") as f:
        for row in csv.DictReader(f):
            if row.get("split", split) != split:
                continue
            path = (labels.parent / row["file"]).resolve()
            if row["label"] == "real":
                real.append(path)
            else:
                fake.append((path, row.get("engine", "fake")))
    return real, fake


def _audio(path: Path) -> npt.NDArray[np.float32]:
    media = load(path, expect="audio")
    assert isinstance(media, Audio)
    return np.asarray(media.samples, dtype=np.float32)


def _speech_lead(x: npt.NDArray[np.float32]) -> float:
    """Seconds from the start of a clip to its first speech (the session's VAD); 0 with none found."""
    regions = detect_speech(x)
    return regions[0].start if regions else 0.0


def _latencies(raised: float, clip_onset: float, lead: float) -> tuple[float, float] | None:
    """(latency from the speech onset, from the clip start) of an alert raised at ``raised``; None
    when it came before the synthetic speech began (an early, false alert)."""
    onset = clip_onset + lead
    return None if raised < onset else (raised - onset, raised - clip_onset)


def _detector(name: str, model_path: Path | None) -> tuple[Any, str]:
    """The detector, and a key naming its weights (a candidate ONNX file by its own sha256).

    ``model_path`` may also be a candidate's folder (``synthguard train speech --out DIR``): the
    detector then takes that folder's card too (calibration, version, threshold), and the key is
    the one the same model would have if it were bundled."""
    if model_path is None:
        det = create_detector(name)
        sha = det.card.weights_sha256 or "noweights"
    elif Path(model_path).is_dir():
        det = create_detector(name, model_dir=model_path)  # DetectorError if it takes no folder
        sha = det.card.weights_sha256 or "noweights"
    else:
        det = create_detector(name, model_path=model_path)
        sha = "file-" + hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
    return det, f"{det.card.name}-{det.card.version}-{sha[:12]}"


def latency(
    labels: Path,
    *,
    split: str = "test",
    detector: str = DEFAULT_DETECTOR,
    hop: float | None = None,
    window: float = LiveConfig.window,
    alert_windows: int | None = None,
    chunk: float = 0.1,
    limit: int = 0,
    threshold: float | None = None,
    rule: str | None = None,
    cusum_drift: float | None = None,
    cusum_h: float | None = None,
    cusum_max_logit: float | None = None,
    fast_threshold: float | None = None,
    model_path: Path | None = None,
    confirm: str | None = None,
    confirm_threshold: float | None = None,
) -> dict[str, Any]:
    """Alert latency on real->synthetic streams, and false alerts on real-only streams.

    Parameters left at None take the ``LiveConfig`` defaults (the shipped operating point);
    ``model_path`` scores with a candidate ONNX (or a candidate folder with its own card) instead of
    the detector's bundled weights;
    ``confirm`` names a detector that must agree before an alert is raised (``LiveConfig.confirm_detector``).
    """
    det, model_key = _detector(detector, model_path)
    real, fake = _clips(labels, split)
    if limit:  # an even spread over the list (engines are grouped), not its head
        real = [real[round(i * len(real) / limit)] for i in range(min(limit, len(real)))]
        fake = [fake[round(i * len(fake) / limit)] for i in range(min(limit, len(fake)))]
    opts: dict[str, Any] = {
        "hop": hop,
        "alert_windows": alert_windows,
        "rule": rule,
        "cusum_drift": cusum_drift,
        "cusum_h": cusum_h,
        "cusum_max_logit": cusum_max_logit,
        "fast_threshold": fast_threshold,
        "confirm_detector": confirm,
        "confirm_threshold": confirm_threshold,
    }
    cfg = LiveConfig(
        detector=detector,
        window=window,
        threshold=threshold,
        **{k: v for k, v in opts.items() if v is not None},
    )
    conf = create_detector(confirm) if confirm else None
    lat, lat_clip, missed, early, per_engine = [], [], 0, 0, {}  # type: ignore[var-annotated]
    push_times: list[float] = []
    cpu0, audio_seconds = time.process_time(), 0.0
    for i, (fpath, engine) in enumerate(fake):
        r = _audio(real[i % len(real)])
        f = _audio(fpath)
        x = np.concatenate([r, f])
        onset, lead = len(r) / RATE, _speech_lead(f)
        s = LiveSession(PcmFormat(RATE, "f32le", 1), cfg, detector=det, confirm=conf)
        step = round(chunk * RATE)
        got: tuple[float, float] | None = None  # (stream time of the first alert, processing time)
        for a in range(0, len(x), step):
            t = time.perf_counter()
            events = s.push(x[a : a + step].tobytes())
            dt = time.perf_counter() - t
            push_times.append(dt)
            for ev in events:
                if isinstance(ev, Alert) and ev.state == "raised" and got is None:
                    got = (ev.at, dt)
        for ev in s.stop():
            if isinstance(ev, Alert) and ev.state == "raised" and got is None:
                got = (ev.at, 0.0)
        audio_seconds += len(x) / RATE
        e = per_engine.setdefault(engine, {"n": 0, "detected": 0, "latency": []})
        e["n"] += 1
        both = None if got is None else _latencies(got[0], onset, lead)
        if got is None:
            missed += 1
        elif both is None:
            early += 1  # raised before the synthetic speech: a false alert
        else:
            lat.append(both[0] + got[1])
            lat_clip.append(both[1] + got[1])
            e["detected"] += 1
            e["latency"].append(both[0] + got[1])
    false_alerts, real_seconds = 0, 0.0
    for rpath in real:
        s = LiveSession(PcmFormat(RATE, "f32le", 1), cfg, detector=det, confirm=conf)
        x = _audio(rpath)
        events = s.push(x.tobytes()) + s.stop()
        false_alerts += sum(1 for ev in events if isinstance(ev, Alert) and ev.state == "raised")
        real_seconds += len(x) / RATE
        audio_seconds += len(x) / RATE
    cpu = time.process_time() - cpu0
    probe = LiveSession(PcmFormat(), cfg, detector=det, confirm=conf)
    return {
        "detector": detector,
        "model": model_key,
        "hop": cfg.hop,
        "window": window,
        "rule": probe.rule_text,
        "threshold": probe.threshold,
        "split": split,
        "streams": len(fake),
        "detected": len(lat),
        "missed": missed,
        "alert_before_onset": early,
        "latency_p50_s": _pct(lat, 50),
        "latency_p95_s": _pct(lat, 95),
        "latency_max_s": max(lat, default=None),
        "detected_within_2s": sum(1 for v in lat if v <= 2.0),
        "latency_from_clip_start_p50_s": _pct(lat_clip, 50),
        "latency_from_clip_start_p95_s": _pct(lat_clip, 95),
        "detected_within_2s_from_clip_start": sum(1 for v in lat_clip if v <= 2.0),
        "per_engine": {
            k: {"n": v["n"], "detected": v["detected"], "latency_p50_s": _pct(v["latency"], 50)}
            for k, v in sorted(per_engine.items())
        },
        "real_only_streams": len(real),
        "real_seconds": round(real_seconds, 1),
        "false_alerts": false_alerts,
        "false_alerts_per_hour": round(false_alerts / max(real_seconds, 1e-9) * 3600, 2),
        "push_p95_ms": round(1000 * (_pct(push_times, 95) or 0.0), 2),
        "cpu_seconds_per_audio_second": round(cpu / max(audio_seconds, 1e-9), 4),
    }


def _raises(
    windows: list[tuple[float, float]],
    thr: float = 0.9,
    k: int = 2,
    clear: float = 0.75,
    kc: int = 3,
    rule: AlertRule | None = None,
    confirm: list[tuple[float, float]] | None = None,
    confirm_threshold: float = 0.5,
) -> list[float]:
    """Stream times at which the session's alert rule raises, for (window end, score) pairs.

    ``rule`` (default: the ``consecutive`` rule of ``thr``, ``k``, ``clear``, ``kc``) runs through
    the session's own :class:`AlertState`, so a replay decides exactly what the session would;
    ``confirm`` (the confirming detector's (window end, score) pairs of the same stream) puts the
    session's :class:`ConfirmGate` behind it.
    """
    rule = rule or AlertRule(
        "consecutive", threshold=thr, alert_windows=k, clear_threshold=clear, clear_windows=kc
    )
    state, out = AlertState(rule), []
    gate = None if confirm is None else ConfirmGate(state, confirm_threshold)
    by_end: dict[float, float] = {round(e, 4): c for e, c in confirm or []}
    for end, score in windows:
        if gate is not None:
            d = gate.update(end, end, score, functools.partial(by_end.get, round(end, 4)))
        else:
            d = state.update(end, end, score)
        if d is not None and d.state == "raised":
            out.append(end)
    return out


def _on_hop(
    windows: list[tuple[float, float]], base: float, hop: float, window: float
) -> list[tuple[float, float]]:
    """The windows a session with ``hop`` scores, from those scored at ``base`` (hop a multiple of it).

    Window ends lie on ``window + k * hop``; a window off the base grid is the tail one ``stop()``
    scores for a stream shorter than one window, which every hop scores.
    """
    step = round(hop / base)
    out = []
    for end, score in windows:
        k = (end - window) / base
        if abs(k - round(k)) > 1e-6 or round(k) % step == 0:
            out.append((end, score))
    return out


def _score_split(
    labels: Path,
    split: str,
    detector: str,
    base_hop: float,
    window: float,
    limit: int,
    cache: Path | None,
    model_path: Path | None = None,
) -> dict[str, Any]:
    """Score every mixed and real-only stream of a split once (at ``base_hop``), cached on disk."""
    det, key = _detector(detector, model_path)
    name = f"scores_{split}_{key}_w{window:g}_h{base_hop:g}_n{limit}.json"
    real, fake = _clips(labels, split)
    if limit:
        real = [real[round(i * len(real) / limit)] for i in range(min(limit, len(real)))]
        fake = [fake[round(i * len(fake) / limit)] for i in range(min(limit, len(fake)))]
    if cache is not None and (cache / name).is_file():
        hit = dict(json.loads((cache / name).read_text()))
        if any("lead" not in m for m in hit["mixed"]):  # cached before speech onsets were kept
            for m, (fpath, _engine) in zip(hit["mixed"], fake, strict=True):
                m["lead"] = _speech_lead(_audio(fpath))
            (cache / name).write_text(json.dumps(hit))
        return hit
    cfg = LiveConfig(detector=detector, hop=base_hop, window=window)

    def windows(x: npt.NDArray[np.float32]) -> list[tuple[float, float]]:
        s = LiveSession(PcmFormat(RATE, "f32le", 1), cfg, detector=det)
        evs = s.push(x.tobytes()) + s.stop()
        return [(e.end, e.score) for e in evs if isinstance(e, SegmentScored)]

    mixed = []
    for i, (fpath, engine) in enumerate(fake):
        r, f = _audio(real[i % len(real)]), _audio(fpath)
        mixed.append(
            {
                "engine": engine,
                "onset": len(r) / RATE,
                "lead": _speech_lead(f),
                "windows": windows(np.concatenate([r, f])),
            }
        )
    reals = []
    for p in real:
        x = _audio(p)
        reals.append({"seconds": len(x) / RATE, "windows": windows(x)})
    out = {
        "model": key,
        "split": split,
        "window": window,
        "base_hop": base_hop,
        "mixed": mixed,
        "real": reals,
    }
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / name).write_text(json.dumps(out))
    return out


def _cached_scores(path: Path, split: str, window: float, base_hop: float) -> dict[str, Any]:
    """Window scores cached by :func:`_score_split`, checked to be of this split, window and hop."""
    try:
        doc = dict(json.loads(Path(path).read_text()))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a cached score file of a sweep ({exc})") from exc
    got = (doc.get("split"), doc.get("window"), doc.get("base_hop"))
    if got != (split, window, base_hop):
        raise ValueError(
            f"{path}: scores of split {got[0]}, window {got[1]} s, hop {got[2]} s; "
            f"this sweep needs {split}, {window:g} s, {base_hop:g} s"
        )
    return doc


def _check_same_streams(*scored: dict[str, Any]) -> None:
    """Raises unless every score set has the same streams (engines and onsets, in order)."""
    first = [(m.get("engine"), m["onset"]) for m in scored[0]["mixed"]]
    for s in scored[1:]:
        if [(m.get("engine"), m["onset"]) for m in s["mixed"]] != first or len(s["real"]) != len(
            scored[0]["real"]
        ):
            raise ValueError(f"{s['model']} and {scored[0]['model']} scored different streams")


def _blend(scored: dict[str, Any], *others: dict[str, Any]) -> dict[str, Any]:
    """The window scores a log-odds average of several detectors would give: per window, the sigmoid
    of the mean of their calibrated scores' log-odds (each clipped to +-8), on the same streams (what
    an ensemble graph of separately calibrated members, ``train speech --ensemble-of``, outputs, but
    for the clipping, which moves only windows some member is already sure of)."""
    _check_same_streams(scored, *others)

    def mix(a: list[tuple[float, float]], *bs: list[tuple[float, float]]) -> list[tuple[float, float]]:
        by_end = [{round(e, 4): s for e, s in b} for b in bs]
        out = []
        for end, score in a:
            z = (logit(score) + sum(logit(m[round(end, 4)]) for m in by_end)) / (1 + len(bs))
            out.append((end, 1.0 / (1.0 + math.exp(-z))))
        return out

    return scored | {
        "model": "+".join(m["model"] for m in (scored, *others)),
        **{
            kind: [
                a | {"windows": mix(a["windows"], *(o[kind][i]["windows"] for o in others))}
                for i, a in enumerate(scored[kind])
            ]
            for kind in ("mixed", "real")
        },
    }


def _evaluate(
    scored: dict[str, Any],
    hop: float,
    rule: AlertRule,
    confirm: dict[str, Any] | None = None,
    confirm_threshold: float = 0.5,
) -> dict[str, Any]:
    """Replay ``rule`` over cached window scores (and, with ``confirm``, the confirming detector's
    scores of the same streams and windows behind a :class:`ConfirmGate`)."""
    base, window = scored["base_hop"], scored["window"]
    lat: list[float] = []
    lat_clip: list[float] = []
    early = missed = 0
    per_engine: dict[str, list[float]] = {}

    def raises(kind: str, i: int, windows: list[tuple[float, float]]) -> list[float]:
        c = None if confirm is None else confirm[kind][i]["windows"]
        return _raises(
            _on_hop(windows, base, hop, window), rule=rule, confirm=c, confirm_threshold=confirm_threshold
        )

    for i, m in enumerate(scored["mixed"]):
        raised = raises("mixed", i, m["windows"])
        per_engine.setdefault(m["engine"], [])
        both = _latencies(raised[0], m["onset"], m.get("lead", 0.0)) if raised else None
        if not raised:
            missed += 1
        elif both is None:
            early += 1
        else:
            lat.append(both[0])
            lat_clip.append(both[1])
            per_engine[m["engine"]].append(both[0])
    real_seconds = sum(r["seconds"] for r in scored["real"])
    fa = sum(len(raises("real", i, r["windows"])) for i, r in enumerate(scored["real"]))
    return {
        "hop": hop,
        "rule": rule.describe() + ("" if confirm is None else f" + confirm({confirm_threshold:g})"),
        "detected": len(lat),
        "streams": len(scored["mixed"]),
        "alert_before_onset": early,
        "missed": missed,
        "latency_p50_s": _pct(lat, 50),
        "latency_p95_s": _pct(lat, 95),
        "detected_within_2s": sum(1 for v in lat if v <= 2.0),
        "latency_from_clip_start_p95_s": _pct(lat_clip, 95),
        "detected_within_2s_from_clip_start": sum(1 for v in lat_clip if v <= 2.0),
        "false_alerts": fa,
        "false_alerts_per_hour": round(fa / max(real_seconds, 1e-9) * 3600, 1),
        "per_engine_detected": {k: len(v) for k, v in sorted(per_engine.items())},
    }


def sweep(
    labels: Path,
    *,
    split: str = "val",
    detector: str = DEFAULT_DETECTOR,
    hops: tuple[float, ...] = (0.5,),
    window: float = LiveConfig.window,
    rules: tuple[str, ...] = ("consecutive",),
    thresholds: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    ks: tuple[int, ...] = (2, 3, 4),
    drifts: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0),
    hs: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0),
    max_logits: tuple[float, ...] = (8.0,),
    fast: tuple[float | None, ...] = (None,),
    clear_windows: int = 3,
    limit: int = 0,
    cache: Path | None = Path("var/live/cache"),
    model_path: Path | None = None,
    confirm: str | None = None,
    confirm_thresholds: tuple[float | None, ...] = (None,),
    blend: str | None = None,
    scores: tuple[Path, ...] = (),
) -> dict[str, Any]:
    """Score every stream once, then replay alert rules over a grid of their parameters and hops.

    Windows are scored at the smallest hop (every other hop must be a multiple of it) and cached
    under ``cache`` per model (name, version, weights sha256), so a second sweep costs no model
    time. Choose the operating point on ``val``, report it on ``test``. ``confirm`` scores the same
    streams with a confirming detector too and replays every rule behind it, at each of
    ``confirm_thresholds`` (None: that detector's card threshold). ``blend`` replays, instead of
    ``detector``'s scores, the log-odds average of its and ``blend``'s (:func:`_blend`): what a room
    scoring every window with both would see (the session has no such mode; this measures whether
    it should). ``scores`` replays, instead of scoring ``detector``, the log-odds average of window
    scores cached by earlier sweeps (files under ``cache``, e.g. of candidate models installed in a
    scratch tree): what an ensemble of those models (``train speech --ensemble-of``) would alert.
    """
    base = min(hops)
    for h in hops:
        if abs(h / base - round(h / base)) > 1e-6:
            raise ValueError(f"every hop must be a multiple of the smallest ({base} s), got {h}")
    if scores:
        scored = _blend(*(_cached_scores(f, split, window, base) for f in scores))
    else:
        scored = _score_split(labels, split, detector, base, window, limit, cache, model_path)
    if blend:
        scored = _blend(scored, _score_split(labels, split, blend, base, window, limit, cache))
    confirmed: dict[str, Any] | None = None
    gates: list[float] = [0.5]  # without a confirming detector: one pass, the value unused
    if confirm:
        confirmed = _score_split(labels, split, confirm, base, window, limit, cache)
        card = create_detector(confirm).card.threshold
        gates = [card if t is None else t for t in confirm_thresholds]
    grid = []
    for hop in hops:
        for f in fast:
            if "consecutive" in rules:
                for thr in thresholds:
                    for k in ks:
                        r = AlertRule("consecutive", thr, k, fast_threshold=f, clear_windows=clear_windows)
                        for g in gates:
                            grid.append(
                                {"threshold": thr, "alert_windows": k, "fast_threshold": f}
                                | _evaluate(scored, hop, r, confirmed, g)
                            )
            if "cusum" in rules:
                for d in drifts:
                    for h in hs:
                        for ml in max_logits:
                            r = AlertRule(
                                "cusum",
                                drift=d,
                                h=h,
                                max_logit=ml,
                                fast_threshold=f,
                                clear_windows=clear_windows,
                            )
                            for g in gates:
                                grid.append(
                                    {"drift": d, "h": h, "max_logit": ml, "fast_threshold": f}
                                    | _evaluate(scored, hop, r, confirmed, g)
                                )
    return {
        "detector": detector,
        "model": scored["model"],
        "confirm": None if confirmed is None else confirmed["model"],
        "blend": blend,
        "split": split,
        "window": window,
        "real_seconds": round(sum(r["seconds"] for r in scored["real"]), 1),
        "note": "latency here is stream time only (no processing time)",
        "grid": grid,
    }


def overhead(seconds: float = 60.0) -> dict[str, Any]:
    """CPU seconds per audio second of the session without a model (``test.constant``)."""
    rng = np.random.default_rng(0)
    out = {}
    for rate, channels, fmt in ((16_000, 1, "s16le"), (48_000, 2, "s16le"), (44_100, 1, "f32le")):
        s = LiveSession(PcmFormat(rate, fmt, channels), LiveConfig(detector="test.constant"))  # type: ignore[arg-type]
        x = (0.2 * rng.standard_normal(int(rate * channels * seconds))).astype(np.float32)
        data = (x * 32767).astype("<i2").tobytes() if fmt == "s16le" else x.tobytes()
        step = int(rate * 0.1) * channels * (2 if fmt == "s16le" else 4)
        t = time.process_time()
        for i in range(0, len(data), step):
            s.push(data[i : i + step])
        s.stop()
        out[f"{rate}Hz_{channels}ch_{fmt}"] = round((time.process_time() - t) / seconds, 5)
    return {"cpu_seconds_per_audio_second": out, "chunk_s": 0.1}


@dataclass
class _StreamStats:
    lags: list[float]
    events: int = 0
    alerts: int = 0
    error: str = ""


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def _client(
    url: str, audio: npt.NDArray[np.float32], seconds: float, chunk: float, st: _StreamStats, delay: float
) -> None:
    import websockets

    await asyncio.sleep(delay)
    try:
        async with websockets.connect(url, max_size=2**22) as ws:
            await ws.send(
                json.dumps({"type": "start", "sample_rate": RATE, "format": "s16le", "channels": 1})
            )
            pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
            step = round(chunk * RATE)
            t0 = time.perf_counter()

            async def reader() -> None:
                async for msg in ws:
                    ev = json.loads(msg)
                    st.events += 1
                    if ev["type"] == "segment_scored":
                        st.lags.append(time.perf_counter() - (t0 + ev["end"]))
                    elif ev["type"] == "alert" and ev["state"] == "raised":
                        st.alerts += 1
                    elif ev["type"] == "ended":
                        return
                    elif ev["type"] == "error":
                        st.error = ev["code"]

            rd = asyncio.create_task(reader())
            n = int(seconds * RATE)
            for k, a in enumerate(range(0, n, step)):
                due = t0 + (k + 1) * chunk
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                idx = np.arange(a, min(a + step, n)) % len(pcm)
                await ws.send(pcm[idx].tobytes())
            await ws.send(json.dumps({"type": "stop"}))
            await asyncio.wait_for(rd, 60)
    except Exception as exc:  # a failed stream is a result, not a crash of the benchmark
        st.error = st.error or f"{type(exc).__name__}: {exc}"


def capacity(
    streams: list[int],
    *,
    seconds: float = 30.0,
    detector: str = DEFAULT_DETECTOR,
    hop: float | None = None,
    audio: Path | None = None,
    port: int = 8799,
    chunk: float = 0.1,
) -> dict[str, Any]:
    """Start ``synthguard live-demo`` in its own process; for each N, stream N real-time clients."""
    x = _audio(audio) if audio else _demo_audio()
    key = "bench-key"
    env = {**os.environ, "SYNTHGUARD_ORT_THREADS": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from synthguard.cli import main; raise SystemExit(main())",
            "live-demo",
            "--port",
            str(port),
            "--key",
            key,
            "--detector",
            detector,
            "--hop",
            str(hop if hop is not None else LiveConfig().hop),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        results = []
        for n in streams:
            stats = [_StreamStats([]) for _ in range(n)]
            url = f"ws://127.0.0.1:{port}/v1/streams?room=bench&participant=p{{}}&token={key}"
            cpu0, w0 = _proc_cpu(server.pid), time.perf_counter()
            load0 = os.getloadavg()[0]

            async def run_all(stats: list[_StreamStats] = stats, n: int = n, url: str = url) -> None:
                await asyncio.gather(
                    *(
                        _client(url.format(i), x, seconds, chunk, st, delay=i * chunk / max(n, 1))
                        for i, st in enumerate(stats)
                    )
                )

            rss = _proc_rss(server.pid)
            asyncio.run(run_all())
            wall = time.perf_counter() - w0
            cpu = _proc_cpu(server.pid) - cpu0
            rss = max(rss, _proc_rss(server.pid))
            lags = [v for st in stats for v in st.lags]
            tail = [v for st in stats for v in st.lags[len(st.lags) // 2 :]]
            errors = [st.error for st in stats if st.error]
            p95 = _pct(lags, 95)
            results.append(
                {
                    "streams": n,
                    "seconds": seconds,
                    "server_cpu_cores": round(cpu / wall, 3),
                    "cpu_per_stream_cores": round(cpu / wall / n, 4),
                    "server_rss_mb": round(rss / 2**20, 1),
                    "lag_p50_s": _pct(lags, 50),
                    "lag_p95_s": p95,
                    "lag_p95_second_half_s": _pct(tail, 95),
                    "errors": errors[:5],
                    "n_errors": len(errors),
                    "loadavg_before": round(load0, 2),
                    "real_time": bool(lags) and not errors and (p95 or 0) < 1.0,
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        return {
            "detector": detector,
            "hop": hop if hop is not None else LiveConfig().hop,
            "rule": LiveConfig().alert_rule(detector, 0.5).describe(),
            "chunk_s": chunk,
            "cpus": os.cpu_count(),
            "runs": results,
        }
    finally:
        server.terminate()
        server.wait(10)


def _wait_port(port: int, timeout: float = 60.0) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"live-demo server did not start on port {port}")


def _demo_audio() -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(0)
    t = np.arange(RATE * 10) / RATE
    x = 0.3 * np.sin(2 * np.pi * 150 * t) * np.abs(np.sin(2 * np.pi * 2 * t)) + 0.01 * rng.standard_normal(
        len(t)
    )
    return x.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """``python -m synthguard.live.bench latency LABELS.csv`` / ``... capacity 10 25 50``."""
    import argparse

    p = argparse.ArgumentParser(prog="synthguard.live.bench")
    sub = p.add_subparsers(dest="what", required=True)
    a = sub.add_parser("latency")
    a.add_argument("labels", type=Path)
    a.add_argument("--split", default="test")
    a.add_argument("--detector", default=DEFAULT_DETECTOR)
    a.add_argument("--hop", type=float, help="default: LiveConfig's")
    a.add_argument("--window", type=float, default=LiveConfig.window)
    a.add_argument(
        "--model-path",
        type=Path,
        help="a candidate ONNX instead of the bundled weights (calibrated by the bundled card), or a "
        "candidate's folder from `synthguard train speech --out DIR` (calibrated by its own card)",
    )
    a.add_argument("--limit", type=int, default=0)
    a.add_argument("--rule", choices=RULES, help="default: LIVE_RULES for the detector")
    a.add_argument("--threshold", type=float, help="consecutive rule: per-window threshold")
    a.add_argument("--alert-windows", type=int, help="consecutive rule: windows in a row")
    a.add_argument("--drift", type=float, help="cusum rule: drift (log-odds)")
    a.add_argument("--h", type=float, help="cusum rule: evidence that raises")
    a.add_argument("--max-logit", type=float, help="cusum rule: clip of a window's log-odds")
    a.add_argument("--fast", type=float, help="single-window fast path (> 1: off)")
    a.add_argument("--confirm", help="a detector that must agree before an alert is raised")
    a.add_argument(
        "--confirm-threshold", type=float, help="default: the confirming detector's card threshold"
    )
    sub.add_parser("overhead")
    w = sub.add_parser("sweep")
    w.add_argument("labels", type=Path)
    w.add_argument("--split", default="val")
    w.add_argument("--detector", default=DEFAULT_DETECTOR)
    w.add_argument("--window", type=float, default=LiveConfig.window)
    w.add_argument(
        "--model-path",
        type=Path,
        help="a candidate ONNX instead of the bundled weights (calibrated by the bundled card), or a "
        "candidate's folder from `synthguard train speech --out DIR` (calibrated by its own card)",
    )
    w.add_argument("--limit", type=int, default=0)
    w.add_argument("--hops", type=float, nargs="+", default=[0.5], help="each a multiple of the smallest")
    w.add_argument("--rules", choices=RULES, nargs="+", default=["consecutive"])
    w.add_argument("--thresholds", type=float, nargs="+", default=[0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    w.add_argument("--ks", type=int, nargs="+", default=[2, 3, 4], help="consecutive: windows in a row")
    w.add_argument("--drifts", type=float, nargs="+", default=[0.0, 1.0, 2.0, 3.0])
    w.add_argument("--hs", type=float, nargs="+", default=[2.0, 4.0, 6.0, 8.0])
    w.add_argument("--max-logits", type=float, nargs="+", default=[8.0])
    w.add_argument("--fast", type=float, nargs="+", default=[], help="fast-path thresholds to add to 'off'")
    w.add_argument("--max-fa-per-hour", type=float, help="print only rows at or under this false-alert rate")
    w.add_argument("--no-cache", action="store_true", help="rescore instead of reusing var/live/cache")
    w.add_argument("--confirm", help="also replay every rule behind this confirming detector")
    w.add_argument(
        "--confirm-thresholds",
        type=float,
        nargs="+",
        help="default: the confirming detector's card threshold",
    )
    w.add_argument("--blend", help="replay the log-odds average of --detector and this detector")
    w.add_argument(
        "--scores",
        type=Path,
        nargs="+",
        default=[],
        help="replay the log-odds average of these cached score files (var/live/cache/scores_*.json "
        "of the same split, window and smallest hop) instead of scoring --detector",
    )
    c = sub.add_parser("capacity")
    c.add_argument("streams", type=int, nargs="+")
    c.add_argument("--seconds", type=float, default=30.0)
    c.add_argument("--detector", default=DEFAULT_DETECTOR)
    c.add_argument("--hop", type=float, help="default: LiveConfig's")
    c.add_argument("--audio", type=Path)
    c.add_argument("--port", type=int, default=8799)
    args = p.parse_args(argv)
    if args.what == "latency":
        out = latency(
            args.labels,
            split=args.split,
            detector=args.detector,
            hop=args.hop,
            window=args.window,
            alert_windows=args.alert_windows,
            limit=args.limit,
            threshold=args.threshold,
            rule=args.rule,
            cusum_drift=args.drift,
            cusum_h=args.h,
            cusum_max_logit=args.max_logit,
            fast_threshold=args.fast,
            model_path=args.model_path,
            confirm=args.confirm,
            confirm_threshold=args.confirm_threshold,
        )
    elif args.what == "overhead":
        out = overhead()
    elif args.what == "sweep":
        out = sweep(
            args.labels,
            split=args.split,
            detector=args.detector,
            hops=tuple(args.hops),
            window=args.window,
            rules=tuple(args.rules),
            thresholds=tuple(args.thresholds),
            ks=tuple(args.ks),
            drifts=tuple(args.drifts),
            hs=tuple(args.hs),
            max_logits=tuple(args.max_logits),
            fast=(None, *args.fast),
            limit=args.limit,
            cache=None if args.no_cache else Path("var/live/cache"),
            model_path=args.model_path,
            confirm=args.confirm,
            confirm_thresholds=tuple(args.confirm_thresholds or [None]),
            blend=args.blend,
            scores=tuple(args.scores),
        )
        if args.max_fa_per_hour is not None:
            out["grid"] = [g for g in out["grid"] if g["false_alerts_per_hour"] <= args.max_fa_per_hour]
        out["grid"].sort(key=lambda g: (-g["detected"], g["latency_p95_s"] or 1e9))
    else:
        out = capacity(
            args.streams,
            seconds=args.seconds,
            detector=args.detector,
            hop=args.hop,
            audio=args.audio,
            port=args.port,
        )
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
