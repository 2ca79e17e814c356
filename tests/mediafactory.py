"""Tiny media made by the tests themselves (no fixture files needed)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    rng = np.random.default_rng(1)
    px = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, fmt, **save)
    return buf.getvalue()


def tone(seconds: float = 1.0, rate: int = 16000, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def audio_bytes(
    fmt: str = "wav", codec: str = "pcm_s16le", seconds: float = 1.0, rate: int = 16000, channels: int = 1
) -> bytes:
    buf = io.BytesIO()
    layout = "mono" if channels == 1 else "stereo"
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        samples = np.tile(tone(seconds, rate)[None, :], (channels, 1))
        resampler = av.AudioResampler(format=stream.format.name, layout=layout, rate=rate)
        for start in range(0, samples.shape[1], 1024):
            chunk = np.ascontiguousarray(samples[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(
                chunk.reshape(1, -1) if channels > 1 else chunk, format="flt", layout=layout
            )
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for f in resampler.resample(frame):
                for p in stream.encode(f):
                    out.mux(p)
        for p in stream.encode(None):
            out.mux(p)
    return buf.getvalue()


def video_bytes(
    fmt: str = "mp4",
    codec: str = "libx264",
    seconds: float = 2.0,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    rotation: int = 0,
) -> bytes:
    buf = io.BytesIO()
    w, h = size
    with av.open(buf, "w", format=fmt) as out:
        vs = out.add_stream(codec, rate=fps)
        vs.width, vs.height = w, h
        vs.pix_fmt = "yuv420p"
        aus = None
        if audio:
            acodec = {"webm": "libopus", "mkv": "aac", "avi": "mp3", "mov": "aac", "mp4": "aac"}.get(
                fmt, "aac"
            )
            aus = out.add_stream(acodec, rate=48000 if acodec == "libopus" else 16000, layout="mono")
        for i in range(int(seconds * fps)):
            px = np.zeros((h, w, 3), np.uint8)
            px[:, : w // 2] = (200, 30, 30)  # left half red: lets tests check rotation
            px[..., 1] = (i * 10) % 255
            for p in vs.encode(av.VideoFrame.from_ndarray(px, format="rgb24")):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if aus is not None:
            rate = aus.rate
            samples = tone(seconds, rate)
            resampler = av.AudioResampler(format=aus.format.name, layout="mono", rate=rate)
            step = aus.codec_context.frame_size or 1024
            for start in range(0, len(samples), step):
                frame = av.AudioFrame.from_ndarray(
                    samples[None, start : start + step], format="flt", layout="mono"
                )
                frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
                for f in resampler.resample(frame):
                    for p in aus.encode(f):
                        out.mux(p)
            for p in aus.encode(None):
                out.mux(p)
    data = buf.getvalue()
    return data
