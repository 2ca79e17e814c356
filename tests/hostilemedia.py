"""A hostile media corpus, made on the fly: truncations, bit flips, bombs, polyglots, odd streams.

Each case is (name, bytes, expectation) where expectation is a MediaError subclass name, or
"ok:<kind>" when a correct answer is the right outcome (a polyglot JPEG+ZIP is still a JPEG).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

import av
import numpy as np
from PIL import Image

from mediafactory import audio_bytes, image_bytes, video_bytes


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1_000_000, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_huge_text(mb: int = 40) -> bytes:
    """A valid small PNG carrying a zTXt chunk that inflates to ``mb`` megabytes."""
    base = image_bytes("PNG", (16, 16))
    ztxt = b"Comment\x00\x00" + zlib.compress(b"A" * (mb << 20), 9)
    return base[:33] + _chunk(b"zTXt", ztxt) + base[33:]


def webp_huge_dimensions() -> bytes:
    """A VP8L WebP header claiming 16384 x 16384 pixels."""
    w, h = 16384, 16384
    bits = (w - 1) | ((h - 1) << 14)
    vp8l = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 32
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif_huge_screen() -> bytes:
    data = bytearray(image_bytes("GIF", (8, 8)))
    data[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen
    # image descriptor after the global colour table: set frame size too
    idx = data.index(b"\x2c")
    data[idx + 5 : idx + 9] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def tiff_huge() -> bytes:
    im = Image.new("L", (8, 8))
    buf = io.BytesIO()
    im.save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    # patch ImageWidth (256) and ImageLength (257) to 60000, whether stored as SHORT or LONG
    for tag in (256, 257):
        for typ, fmt in ((3, "<H"), (4, "<I")):
            key = struct.pack("<HH", tag, typ)
            at = data.find(key)
            if at >= 0:
                data[at + 8 : at + 8 + struct.calcsize(fmt)] = struct.pack(fmt, 60000)
                break
    return bytes(data)


def wav_claiming(hours: float) -> bytes:
    n = int(hours * 3600 * 16000) * 2
    hdr = (
        b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", n)
    )
    return b"RIFF" + struct.pack("<I", 36 + n) + hdr + b"\x00" * 64000


def silence_wav(seconds: float) -> bytes:
    n = int(seconds * 16000)
    hdr = (
        b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
        + b"data"
        + struct.pack("<I", 2 * n)
    )
    return b"RIFF" + struct.pack("<I", 36 + 2 * n) + hdr + bytes(2 * n)


def video_8k_one_frame() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=1)
        vs.width, vs.height, vs.pix_fmt = 7680, 4320, "yuv420p"
        vs.options = {"preset": "ultrafast"}
        frame = av.VideoFrame.from_ndarray(np.zeros((4320, 7680, 3), np.uint8), format="rgb24")
        for p in vs.encode(frame):
            out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
    return buf.getvalue()


def video_no_frames() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=10)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
    return buf.getvalue()


def bitflip(data: bytes, rate: float = 0.01, seed: int = 0, skip: int = 64) -> bytes:
    rng = np.random.default_rng(seed)
    arr = bytearray(data)
    n = max(1, int((len(arr) - skip) * rate))
    for pos in rng.integers(skip, len(arr), n):
        arr[pos] ^= 1 << int(rng.integers(0, 8))
    return bytes(arr)


def valid_samples() -> dict[str, bytes]:
    return {
        "jpeg": image_bytes("JPEG", (96, 96)),
        "png": image_bytes("PNG", (96, 96)),
        "webp": image_bytes("WEBP", (96, 96)),
        "gif": image_bytes("GIF", (96, 96)),
        "bmp": image_bytes("BMP", (96, 96)),
        "tiff": image_bytes("TIFF", (96, 96)),
        "avif": image_bytes("AVIF", (96, 96)),
        "wav": audio_bytes("wav", "pcm_s16le", 2.0),
        "flac": audio_bytes("flac", "flac", 2.0),
        "mp3": audio_bytes("mp3", "libmp3lame", 2.0),
        "aac": audio_bytes("adts", "aac", 2.0),
        "m4a": audio_bytes("ipod", "aac", 2.0),
        "opus": audio_bytes("ogg", "libopus", 2.0, rate=48000),
        "mp4": video_bytes("mp4", "libx264", 3.0),
        "mov": video_bytes("mov", "libx264", 3.0),
        "webm": video_bytes("webm", "libvpx-vp9", 3.0),
        "mkv": video_bytes("matroska", "libx264", 3.0),
        "avi": video_bytes("avi", "mpeg4", 3.0),
    }


def corpus() -> Iterator[tuple[str, bytes, str]]:
    """Every hostile case with its expectation ("MediaError" = any typed media error, or ok:kind)."""
    for name, data in valid_samples().items():
        for keep in (0.1, 0.5, 0.9):
            yield f"{name}-truncated-{int(keep * 100)}", data[: int(len(data) * keep)], "MediaError|ok"
        for seed in range(3):
            yield f"{name}-bitflip-{seed}", bitflip(data, seed=seed), "MediaError|ok"
        yield f"{name}-header-only", data[:64], "MediaError"
    yield "png-pixel-bomb", png_bomb(), "MediaLimitError"
    yield "png-huge-ztxt", png_huge_text(), "MediaError|ok:image"
    yield "webp-huge-dimensions", webp_huge_dimensions(), "MediaError"
    yield "gif-huge-screen", gif_huge_screen(), "MediaError"
    yield "tiff-huge", tiff_huge(), "MediaLimitError"
    yield "wav-claims-10-hours", wav_claiming(10.0), "MediaLimitError"
    yield "jpeg-zip-polyglot", image_bytes("JPEG") + b"PK\x03\x04" + b"\x00" * 200, "ok:image"
    yield "html-in-jpeg-comment", image_bytes("JPEG", comment=b"<script>alert(1)</script>"), "ok:image"
    yield "html-file", b"<!doctype html><html><script>alert(1)</script></html>", "UnsupportedMediaError"
    yield "zip-file", b"PK\x03\x04" + b"\x00" * 100, "UnsupportedMediaError"
    yield "mp4-no-frames", video_no_frames(), "MediaError"
    yield "zero-bytes", b"", "EmptyMediaError"
    yield "nul-bytes", b"\x00" * 4096, "UnsupportedMediaError"
