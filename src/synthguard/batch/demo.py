"""A small mixed catalogue for tests, demos and benchmarks: images, video with audio, audio, junk.

Generated on the fly (Pillow, PyAV, numpy) so nothing is downloaded or committed. Deterministic
for a given seed.

Example:
    >>> from synthguard.batch.demo import make_mixed_folder
    >>> paths = make_mixed_folder("var/batch/demo", images=8, videos=2, audios=2, corrupt=2)  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image as PILImage

__all__ = ["make_audio", "make_image", "make_mixed_folder", "make_video"]


def make_image(rng: np.random.Generator, size: tuple[int, int] = (96, 64), fmt: str = "PNG") -> bytes:
    """A random smooth-ish RGB image (random colours, so test scores differ between files)."""
    w, h = size
    base = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    img = PILImage.fromarray(base).resize((w, h), PILImage.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def make_audio(rng: np.random.Generator, seconds: float = 1.5, sr: int = 16000) -> bytes:
    """A mono 16-bit WAV: a tone of random pitch and loudness."""
    import wave

    t = np.arange(int(seconds * sr)) / sr
    tone = rng.uniform(0.05, 0.8) * np.sin(2 * np.pi * rng.uniform(150, 900) * t)
    pcm = (tone * 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm)
    return buf.getvalue()


def make_video(
    rng: np.random.Generator,
    seconds: float = 2.0,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    with_audio: bool = True,
) -> bytes:
    """An H.264 MP4 of moving colour blocks, with an AAC tone track when ``with_audio``."""
    w, h = size
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast"}
        astream = None
        if with_audio:
            astream = out.add_stream("aac", rate=16000)
            astream.layout = "mono"
        colours = rng.integers(0, 256, size=(3,), dtype=np.uint8)
        for i in range(int(seconds * fps)):
            frame = np.zeros((h, w, 3), dtype=np.uint8)
            frame[:] = colours
            x = (i * 4) % w
            frame[:, x : x + 8] = 255 - colours
            for packet in vs.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        if astream is not None:
            sr, n = 16000, 1024
            total = int(seconds * sr)
            pitch = rng.uniform(200, 800)
            for start in range(0, total, n):
                t = (np.arange(start, min(start + n, total)) / sr).astype(np.float32)
                samples = (0.3 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)[None, :]
                af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                af.sample_rate = sr
                af.pts = start
                af.time_base = Fraction(1, sr)
                for packet in astream.encode(af):
                    out.mux(packet)
            for packet in astream.encode():
                out.mux(packet)
    return buf.getvalue()


def make_mixed_folder(
    folder: str | os.PathLike[str],
    *,
    images: int = 6,
    videos: int = 2,
    audios: int = 2,
    corrupt: int = 3,
    seed: int = 0,
    image_size: tuple[int, int] = (96, 64),
) -> list[Path]:
    """Write a mixed catalogue into ``folder`` and return the file paths (sorted).

    Corrupt items cycle through: a truncated PNG, random bytes named ``.jpg``, an empty file, a
    text file, and a truncated MP4.
    """
    rng = np.random.default_rng(seed)
    root = Path(folder)
    (root / "img").mkdir(parents=True, exist_ok=True)
    (root / "av").mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []

    def put(rel: str, data: bytes) -> None:
        p = root / rel
        p.write_bytes(data)
        paths.append(p)

    for i in range(images):
        fmt = "JPEG" if i % 3 == 2 else "PNG"
        put(f"img/{i:05d}.{fmt.lower().replace('jpeg', 'jpg')}", make_image(rng, image_size, fmt))
    for i in range(videos):
        put(f"av/clip{i:04d}.mp4", make_video(rng, with_audio=True))
    for i in range(audios):
        put(f"av/tone{i:04d}.wav", make_audio(rng))
    junk = [
        ("bad/truncated.png", lambda: make_image(rng)[:60]),
        ("bad/random.jpg", lambda: rng.bytes(512)),
        ("bad/empty.png", lambda: b""),
        ("bad/notes.txt", lambda: b"not media at all\n"),
        ("bad/truncated.mp4", lambda: make_video(rng, seconds=1.0)[:300]),
    ]
    if corrupt:
        (root / "bad").mkdir(parents=True, exist_ok=True)
    for i in range(corrupt):
        rel, gen = junk[i % len(junk)]
        if i >= len(junk):
            stem, ext = rel.rsplit(".", 1)
            rel = f"{stem}{i}.{ext}"
        put(rel, gen())
    return sorted(paths)
