"""The one media loader: bytes or a path in, typed Image / Video / Audio out."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import av
import av.error
import numpy as np
import PIL.Image
import PIL.ImageFile
import PIL.ImageOps

from ..errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaError,
    MediaLimitError,
    UnsupportedMediaError,
)
from ._sniff import sniff
from ._types import TARGET_SAMPLE_RATE, Audio, Image, Media, Video, VideoFrame
from .limits import FrameSampling, Limits

__all__ = ["ACCEPTED", "MediaSource", "load", "read_source"]

MediaSource = str | os.PathLike[str] | bytes | bytearray | memoryview

ACCEPTED = (
    "images: JPEG, PNG, WebP, GIF (first frame), BMP, TIFF, HEIC/HEIF, AVIF; "
    "video: MP4, MOV, WebM, MKV, AVI, MPEG-TS; "
    "audio: WAV, FLAC, MP3, AAC/M4A, OGG (Vorbis/Opus)"
)

# Decoded audio beyond this many samples (10 min at 16 kHz, 38 MB) is spilled to an unlinked
# temporary file and served memory-mapped, so an hour-long clip does not sit in RAM twice.
_SPILL_SAMPLES = 10 * 60 * TARGET_SAMPLE_RATE
_BLOCK = 1 << 20  # samples per in-place clean-up step of spilled audio

# A decoded stream shorter than this share of what its header declares is called truncated.
_TRUNCATION_RATIO = 0.5
_DEFAULT_MAX_SIDE = 1920

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if _heif_registered:
        return
    _heif_registered = True
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # optional: HEIC then reports as unsupported
        pass


@dataclass(frozen=True)
class _Input:
    data: bytes
    name: str


def read_source(source: MediaSource, limits: Limits) -> tuple[bytes, str]:
    """Read a path or bytes-like into bytes, enforcing ``max_bytes`` before reading a file."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        name = "<bytes>"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise MediaError(f"{path}: no such file")
        if not path.is_file():
            raise MediaError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise MediaLimitError(f"{path}: {size} bytes exceeds the limit of {limits.max_bytes} bytes")
        data = path.read_bytes()
        name = str(path)
    else:
        raise TypeError(f"media source must be a path or bytes, not {type(source).__name__}")
    if len(data) > limits.max_bytes:
        raise MediaLimitError(f"{name}: {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes")
    if not data:
        raise EmptyMediaError(f"{name}: the input is empty (0 bytes); expected {ACCEPTED}")
    return data, name


def load(
    source: MediaSource,
    *,
    limits: Limits | None = None,
    sampling: FrameSampling | None = None,
    expect: Literal["image", "video", "audio"] | None = None,
    max_side: int | None = _DEFAULT_MAX_SIDE,
) -> Media:
    """Load media from a path or bytes; the type is sniffed from content, never the extension.

    Args:
        source: a file path or the file's bytes.
        limits: bounds on size, pixels, duration and frames (defaults: :class:`Limits`).
        sampling: which video frames to keep (default: 1 per second, at most ``limits.max_frames``).
        expect: raise :class:`UnsupportedMediaError` unless the content is of this kind.
        max_side: video frames are scaled down so their longer side is at most this (None: keep).

    Returns:
        :class:`Image`, :class:`Video` or :class:`Audio` (16 kHz mono float32).

    Raises:
        MediaError: a subclass saying what was wrong and what is accepted.

    Example:
        >>> from synthguard.media import load
        >>> img = load(open("examples/media/sample.jpg", "rb").read())  # doctest: +SKIP
        >>> img.kind, img.width  # doctest: +SKIP
        ('image', 320)
    """
    limits = limits or Limits()
    data, name = read_source(source, limits)
    sniffed = sniff(data[:64])
    if sniffed.family == "unknown":
        raise UnsupportedMediaError(
            f"{name}: unrecognised content (not a known media format); accepted: {ACCEPTED}"
        )
    if sniffed.family == "image":
        media: Media = _load_image(data, name, sniffed.format, limits)
    elif sniffed.family == "audio":
        media = _guarded(_load_audio, data, name, sniffed.format, limits)
    else:
        media = _guarded(
            _load_container, data, name, sniffed.format, limits, sampling or FrameSampling(), max_side
        )
    if expect is not None and media.kind != expect:
        raise UnsupportedMediaError(
            f"{name}: expected {expect}, but the content is {media.kind} ({media.format})"
        )
    return media


def _guarded(fn: Any, data: bytes, name: str, fmt: str, *args: Any) -> Media:
    """Run a PyAV-based loader; map any stray decoder exception on hostile input to a typed error."""
    try:
        media: Media = fn(data, name, fmt, *args)
    except MediaError:
        raise
    except (
        av.error.FFmpegError,
        AttributeError,
        ValueError,
        TypeError,
        IndexError,
        OverflowError,
        RuntimeError,
        OSError,
    ) as exc:
        raise CorruptMediaError(f"{name}: {fmt} content is damaged ({type(exc).__name__}: {exc})") from exc
    return media


# ---------------------------------------------------------------- images


def _load_image(data: bytes, name: str, fmt: str, limits: Limits) -> Image:
    if fmt in ("heif", "avif"):
        _register_heif()
    # Some libraries (weasyprint) turn on Pillow's tolerance of truncated files process-wide at
    # import; synthguard must still report a truncated upload, so it asks for strict decoding here.
    strict_before = PIL.ImageFile.LOAD_TRUNCATED_IMAGES
    PIL.ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # synthguard enforces its own pixel limit below; Pillow's bomb warning is redundant
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                _check_pixels(name, width, height, limits)
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                im.load()
                oriented = PIL.ImageOps.exif_transpose(im)
                rgb = _to_rgb(oriented)
                pixels = np.asarray(rgb, dtype=np.uint8).copy()
    except MediaError:
        raise
    except PIL.Image.DecompressionBombError as exc:
        raise MediaLimitError(f"{name}: decompression bomb rejected ({exc})") from exc
    except PIL.UnidentifiedImageError as exc:
        raise UnsupportedMediaError(
            f"{name}: looks like {fmt.upper()} but no decoder accepts it; accepted: {ACCEPTED}"
        ) from exc
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        IndexError,
        TypeError,
        AttributeError,
        struct.error,
        RuntimeError,
        zlib.error,
    ) as exc:
        raise CorruptMediaError(f"{name}: {fmt.upper()} image is truncated or corrupt ({exc})") from exc
    finally:
        PIL.ImageFile.LOAD_TRUNCATED_IMAGES = strict_before
    if pixels.size == 0:
        raise EmptyMediaError(f"{name}: image has no pixels")
    return Image(pixels=pixels, format=fmt, size_bytes=len(data))


def _to_rgb(im: PIL.Image.Image) -> PIL.Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = PIL.Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PIL.Image.alpha_composite(background, rgba).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = max(float(arr.max()), 1.0)
        return PIL.Image.fromarray((arr / top * 255.0).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def _check_pixels(name: str, width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise EmptyMediaError(f"{name}: image has zero size ({width}x{height})")
    if max(width, height) > limits.max_dimension or width * height > limits.max_pixels:
        raise MediaLimitError(
            f"{name}: {width}x{height} pixels exceeds the limit "
            f"({limits.max_pixels} pixels, {limits.max_dimension} per side); decompression bombs are refused"
        )


# ---------------------------------------------------------------- audio and video (PyAV)


def _open(data: bytes, name: str, fmt: str) -> Any:
    try:
        return av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise CorruptMediaError(f"{name}: {fmt} content is corrupt or truncated ({exc})") from exc
    except av.error.FFmpegError as exc:
        raise UnsupportedMediaError(
            f"{name}: cannot open {fmt} content ({exc}); accepted: {ACCEPTED}"
        ) from exc


def _declared_duration(container: Any, stream: Any) -> float | None:
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / 1_000_000.0
    return None


def _check_duration(name: str, duration: float | None, limits: Limits) -> None:
    if duration is not None and duration > limits.max_duration:
        raise MediaLimitError(
            f"{name}: duration {duration:.0f} s exceeds the limit of {limits.max_duration:.0f} s"
        )


def _video_stream(container: Any) -> Any:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _load_container(
    data: bytes, name: str, fmt: str, limits: Limits, sampling: FrameSampling, max_side: int | None
) -> Media:
    container = _open(data, name, fmt)
    try:
        has_video = _video_stream(container) is not None
        has_audio = bool(container.streams.audio)
    finally:
        container.close()
    if has_video:
        return _load_video(data, name, fmt, limits, sampling, max_side)
    if has_audio:
        return _load_audio(data, name, fmt, limits)
    raise EmptyMediaError(f"{name}: {fmt} container has no video or audio stream")


def _load_audio(data: bytes, name: str, fmt: str, limits: Limits, *, required: bool = True) -> Audio:
    container = _open(data, name, fmt)
    try:
        if not container.streams.audio:
            raise EmptyMediaError(f"{name}: {fmt} content has no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_duration(container, stream)
        if fmt == "wav":
            # FFmpeg derives a WAV's duration from the bytes present; the header's own claim
            # is what reveals truncation.
            declared = _wav_declared_duration(data) or declared
        _check_duration(name, declared, limits)
        source_rate = stream.codec_context.sample_rate or None
        source_channels = stream.codec_context.channels or None
        max_samples = int(limits.max_duration * TARGET_SAMPLE_RATE)
        if stream.codec_context is None:
            raise UnsupportedMediaError(f"{name}: {fmt} audio uses an unknown codec; accepted: {ACCEPTED}")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_SAMPLE_RATE)
        sink = _SampleSink()
        setup: tuple[Any, ...] | None = None
        try:
            for frame in _decode(container, stream):
                this = (frame.format.name, frame.layout.name, frame.sample_rate)
                if setup is not None and this != setup:
                    # the stream changed format midway (seen in damaged MP3s): flush and start over
                    for o in resampler.resample(None):
                        sink.append(o.to_ndarray().reshape(-1))
                    resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_SAMPLE_RATE)
                setup = this
                for out in resampler.resample(frame):
                    sink.append(out.to_ndarray().reshape(-1))
                if sink.total > max_samples:
                    raise MediaLimitError(
                        f"{name}: decoded audio exceeds the limit of {limits.max_duration:.0f} s "
                        "(its header understated the duration)"
                    )
            for out in resampler.resample(None):
                sink.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            sink.close()
            raise CorruptMediaError(f"{name}: {fmt} audio cannot be decoded ({exc})") from exc
        except BaseException:
            sink.close()
            raise
    finally:
        container.close()
    samples = sink.finish()
    if samples.size == 0:
        raise EmptyMediaError(f"{name}: {fmt} audio stream holds no decodable samples")
    decoded = samples.size / TARGET_SAMPLE_RATE
    if declared and declared > 1.0 and decoded < _TRUNCATION_RATIO * declared:
        raise CorruptMediaError(
            f"{name}: {fmt} audio is truncated: its header declares {declared:.1f} s "
            f"but only {decoded:.1f} s decode"
        )
    return Audio(
        samples=samples,
        format=fmt,
        size_bytes=len(data),
        source_sample_rate=source_rate,
        source_channels=source_channels,
    )


class _SampleSink:
    """Collects decoded float32 chunks: in memory while short, then in an unlinked temporary file.

    ``finish`` returns one contiguous array: a plain array for short audio, a read-only memory map
    for long audio (the OS pages it in as detectors read windows, and drops clean pages under
    memory pressure). NaN/inf are zeroed and samples clipped to [-1, 1] either way.
    """

    def __init__(self, spill_after: int | None = None) -> None:
        self.spill_after = _SPILL_SAMPLES if spill_after is None else spill_after
        self.total = 0
        self._chunks: list[np.ndarray] = []
        self._file: Any = None

    def append(self, chunk: np.ndarray) -> None:
        chunk = np.asarray(chunk, dtype=np.float32)
        self.total += len(chunk)
        if self._file is None:
            self._chunks.append(chunk)
            if self.total > self.spill_after:
                self._file = tempfile.TemporaryFile(prefix="synthguard-audio-")  # noqa: SIM115 (closed in finish/close)
                for c in self._chunks:
                    self._file.write(c.tobytes())
                self._chunks = []
        else:
            self._file.write(chunk.tobytes())

    def finish(self) -> np.ndarray:
        if self._file is None:
            out = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
            self._chunks = []
            np.clip(np.nan_to_num(out, copy=False), -1.0, 1.0, out=out)
            return out
        self._file.flush()
        mm = np.memmap(self._file, dtype=np.float32, mode="r+", shape=(self.total,))
        for a in range(0, self.total, _BLOCK):  # in place, block by block: no full-size temporaries
            block = mm[a : a + _BLOCK]
            np.clip(np.nan_to_num(block, copy=False), -1.0, 1.0, out=block)
        mm.flush()
        self.close()  # the mapping keeps the (already unlinked) file alive
        return mm

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _wav_declared_duration(data: bytes) -> float | None:
    """Duration the RIFF header of a PCM WAV claims (fmt + data chunk sizes), or None."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= min(len(data), 1 << 20):
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if kind == b"fmt " and size >= 16:
            byte_rate = int.from_bytes(data[pos + 16 : pos + 20], "little")
        elif kind == b"data":
            return size / byte_rate if byte_rate and size not in (0, 0xFFFFFFFF) else None
        pos += 8 + size + (size & 1)
    return None


def _decode(container: Any, stream: Any) -> Iterator[Any]:
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            # One damaged packet: skip it, as players do; truncation is judged on the total.
            continue


def _load_video(
    data: bytes, name: str, fmt: str, limits: Limits, sampling: FrameSampling, max_side: int | None
) -> Video:
    container = _open(data, name, fmt)
    try:
        stream = _video_stream(container)
        if stream is None or stream.codec_context is None:
            raise UnsupportedMediaError(f"{name}: {fmt} video uses an unknown codec; accepted: {ACCEPTED}")
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width and height:
            _check_pixels(name, width, height, limits)
        fps = float(stream.average_rate or stream.base_rate or stream.guessed_rate or 25.0)
        declared = _declared_duration(container, stream)
        _check_duration(name, declared, limits)
        if sampling.mode == "keyframes":
            ctx.skip_frame = "NONKEY"
        # Evenly spread target times when the duration is known, else a fixed step.
        step = 1.0 / sampling.fps
        if declared and sampling.mode == "fps" and declared / step > limits.max_frames:
            step = declared / limits.max_frames
        kept: list[VideoFrame] = []
        next_time = 0.0
        keyframes_seen = 0
        decoded = 0
        last_time = 0.0
        rotation = 0
        try:
            for frame in _decode(container, stream):
                decoded += 1
                if decoded > limits.max_decoded_frames:
                    raise MediaLimitError(f"{name}: more than {limits.max_decoded_frames} frames decoded")
                t = float(frame.time) if frame.time is not None else (decoded - 1) / fps
                last_time = max(last_time, t)
                if last_time > limits.max_duration:
                    raise MediaLimitError(
                        f"{name}: video runs past the limit of {limits.max_duration:.0f} s "
                        "(its header understated the duration)"
                    )
                if sampling.mode == "keyframes":
                    keyframes_seen += 1
                    if (keyframes_seen - 1) % sampling.every:
                        continue
                elif t + 1e-6 < next_time:
                    continue
                else:
                    next_time = t + step
                if not width or not height:
                    width, height = frame.width, frame.height
                    _check_pixels(name, width, height, limits)
                rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                kept.append(
                    VideoFrame(
                        index=decoded - 1,
                        time=t,
                        image=_frame_image(frame, rotation, max_side),
                        keyframe=bool(frame.key_frame),
                    )
                )
                if len(kept) > limits.max_frames:
                    kept = kept[::2]  # thin evenly and widen the stride: bounded memory, full coverage
                    step *= 2
                    if sampling.mode == "keyframes":
                        sampling = FrameSampling(mode="keyframes", every=sampling.every * 2)
        except av.error.FFmpegError as exc:
            raise CorruptMediaError(f"{name}: {fmt} video cannot be decoded ({exc})") from exc
    finally:
        container.close()
    if not kept:
        raise EmptyMediaError(f"{name}: {fmt} video stream holds no decodable frames")
    duration = declared if declared else last_time + 1.0 / fps
    if declared and declared > 2.0 and last_time + 1.0 / fps < _TRUNCATION_RATIO * declared:
        raise CorruptMediaError(
            f"{name}: {fmt} video is truncated: its header declares {declared:.1f} s "
            f"but frames stop at {last_time:.1f} s"
        )
    audio = None
    if _has_audio_stream(data, name, fmt):
        try:
            audio = _load_audio(data, name, fmt, limits)
        except (EmptyMediaError, CorruptMediaError):
            audio = None  # a broken or silent audio track does not void the pictures
    if rotation in (90, 270):
        width, height = height, width
    return Video(
        frames=tuple(kept[: limits.max_frames]),
        fps=fps,
        duration=duration,
        width=width,
        height=height,
        format=fmt,
        size_bytes=len(data),
        rotation=rotation,
        audio=audio,
    )


def _has_audio_stream(data: bytes, name: str, fmt: str) -> bool:
    container = _open(data, name, fmt)
    try:
        return bool(container.streams.audio)
    finally:
        container.close()


def _frame_image(frame: Any, rotation: int, max_side: int | None) -> Image:
    w, h = frame.width, frame.height
    if max_side and max(w, h) > max_side:
        scale = max_side / max(w, h)
        w, h = max(2, round(w * scale)), max(2, round(h * scale))
        frame = frame.reformat(width=w, height=h, format="rgb24")
    pixels = frame.to_ndarray(format="rgb24")
    # PyAV reports the display matrix angle counter-clockwise; turn the picture upright.
    if rotation:
        pixels = np.ascontiguousarray(np.rot90(pixels, k=rotation // 90))
    return Image(pixels=pixels, format="frame")
