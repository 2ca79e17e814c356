"""Perturbations that mimic what platforms do to uploads: re-encoding, resizing, cropping, noise.

A perturbation is named by a spec ``"name:param"`` (``"jpeg:75"``, ``"resize:0.5"``, ``"mp3:32k"``)
and maps a loaded medium to a new one of the same kind. Image perturbations apply to each sampled
frame of a video; audio ones to audio and to a video's audio track.

Example:
    >>> from synthguard.bench.perturb import parse_perturbation
    >>> parse_perturbation("jpeg:75").name
    'jpeg:75'
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import PIL.Image
import PIL.ImageEnhance
import PIL.ImageFilter

from ..media import TARGET_SAMPLE_RATE, Audio, Image, Media, Video, VideoFrame

__all__ = ["PERTURBATIONS", "Perturbation", "apply", "h264_frame", "parse_perturbation"]


def _rate(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(float(text))


def _jpeg(img: Image, quality: str) -> Image:
    buf = io.BytesIO()
    PIL.Image.fromarray(img.pixels).save(buf, "JPEG", quality=int(quality))
    return _decoded(img, buf.getvalue())


def _webp(img: Image, quality: str) -> Image:
    buf = io.BytesIO()
    PIL.Image.fromarray(img.pixels).save(buf, "WEBP", quality=int(quality))
    return _decoded(img, buf.getvalue())


def _decoded(img: Image, data: bytes) -> Image:
    with PIL.Image.open(io.BytesIO(data)) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    return replace(img, pixels=pixels)


def _resize(img: Image, factor: str) -> Image:
    f = float(factor)
    if not 0 < f <= 4:
        raise ValueError("resize factor must be in (0, 4]")
    w, h = max(1, round(img.width * f)), max(1, round(img.height * f))
    out = PIL.Image.fromarray(img.pixels).resize((w, h), PIL.Image.Resampling.BICUBIC)
    return replace(img, pixels=np.asarray(out, dtype=np.uint8).copy())


def _crop(img: Image, fraction: str) -> Image:
    f = float(fraction)
    if not 0 < f <= 1:
        raise ValueError("crop fraction must be in (0, 1]")
    w, h = max(1, round(img.width * f)), max(1, round(img.height * f))
    x0, y0 = (img.width - w) // 2, (img.height - h) // 2
    return replace(img, pixels=np.ascontiguousarray(img.pixels[y0 : y0 + h, x0 : x0 + w]))


def _blur(img: Image, radius: str) -> Image:
    out = PIL.Image.fromarray(img.pixels).filter(PIL.ImageFilter.GaussianBlur(float(radius)))
    return replace(img, pixels=np.asarray(out, dtype=np.uint8).copy())


def _saturation(img: Image, factor: str) -> Image:
    """Scale the colour (0 = greyscale, as a black-and-white filter or a grey scan; 1 = unchanged)."""
    f = float(factor)
    if not 0 <= f <= 2:
        raise ValueError("saturation factor must be in [0, 2]")
    out = PIL.ImageEnhance.Color(PIL.Image.fromarray(img.pixels)).enhance(f)
    return replace(img, pixels=np.asarray(out, dtype=np.uint8).copy())


def h264_frame(pixels: npt.NDArray[np.uint8], crf: int) -> npt.NDArray[np.uint8]:
    """``pixels`` as a frame grab from a video: encoded as an H.264 intra frame (libx264, yuv420p,
    constant quality ``crf``: 18 near-transparent, 23 x264's default, 30+ a low-bitrate stream) and
    decoded back. An odd last row / column is kept as it was (4:2:0 needs even sizes)."""
    if not 0 <= crf <= 51:
        raise ValueError(f"H.264 CRF must be in 0-51, not {crf}")
    h0, w0 = pixels.shape[:2]
    h, w = h0 - h0 % 2, w0 - w0 % 2
    if h < 2 or w < 2:
        return pixels
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream: Any = out.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels[:h, :w]), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    buf.seek(0)
    container: Any
    with av.open(buf) as container:
        decoded = next(iter(container.decode(video=0))).to_ndarray(format="rgb24")
    out_px = pixels.copy()
    out_px[:h, :w] = decoded
    return out_px


def _frame(img: Image, crf: str) -> Image:
    return replace(img, pixels=h264_frame(img.pixels, int(crf)))


def _image_noise(img: Image, sigma: str) -> Image:
    rng = np.random.default_rng(0)
    noisy = img.pixels.astype(np.float32) + rng.normal(0.0, float(sigma), img.pixels.shape)
    return replace(img, pixels=np.clip(noisy, 0, 255).astype(np.uint8))


def _audio_codec(codec: str, container_format: str) -> Callable[[Audio, str], Audio]:
    def run(audio: Audio, bitrate: str) -> Audio:
        rate = 48_000 if codec == "libopus" else TARGET_SAMPLE_RATE
        buf = io.BytesIO()
        with av.open(buf, mode="w", format=container_format) as out:
            stream: Any = out.add_stream(codec, rate=rate, layout="mono")
            stream.bit_rate = _rate(bitrate)
            samples = _resample(audio.samples, audio.sample_rate, rate)
            resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
            chunk = 4096
            for start in range(0, len(samples), chunk):
                frame = av.AudioFrame.from_ndarray(
                    samples[None, start : start + chunk], format="flt", layout="mono"
                )
                frame.sample_rate = rate
                frame.pts = start
                frame.time_base = Fraction(1, rate)
                for rf in resampler.resample(frame):
                    for packet in stream.encode(rf):
                        out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        decoded = _decode_audio(buf.getvalue())
        n = len(audio.samples)
        decoded = decoded[:n] if len(decoded) >= n else np.pad(decoded, (0, n - len(decoded)))
        return replace(audio, samples=decoded.astype(np.float32))

    return run


def _decode_audio(data: bytes) -> np.ndarray:
    container: Any
    with av.open(io.BytesIO(data)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_SAMPLE_RATE)
        parts = [
            f.to_ndarray().reshape(-1) for fr in container.decode(audio=0) for f in resampler.resample(fr)
        ]
        parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def _resample(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = np.gcd(src, dst)
    return resample_poly(samples.astype(np.float64), dst // g, src // g).astype(np.float32)


def _resample_roundtrip(audio: Audio, rate: str) -> Audio:
    low = _resample(audio.samples, audio.sample_rate, _rate(rate))
    back = _resample(low, _rate(rate), audio.sample_rate)[: len(audio.samples)]
    return replace(audio, samples=np.clip(back, -1, 1).astype(np.float32))


def _audio_noise(audio: Audio, snr_db: str) -> Audio:
    rng = np.random.default_rng(0)
    power = float(np.mean(np.square(audio.samples, dtype=np.float64))) or 1e-8
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (float(snr_db) / 10)), len(audio.samples))
    return replace(audio, samples=np.clip(audio.samples + noise, -1, 1).astype(np.float32))


def _highpass(audio: Audio, cutoff: str) -> Audio:
    """A 2nd-order Butterworth high-pass at ``cutoff`` Hz: the low-frequency edge of a phone or a
    laptop microphone (causal, like the real thing)."""
    from scipy.signal import butter, sosfilt

    hz = float(cutoff)
    if not 0 < hz < audio.sample_rate / 2:
        raise ValueError(f"highpass cutoff must be between 0 and {audio.sample_rate // 2} Hz, not {cutoff}")
    sos = butter(2, hz, "highpass", fs=audio.sample_rate, output="sos")
    out = sosfilt(sos, audio.samples.astype(np.float64))
    return replace(audio, samples=np.clip(out, -1, 1).astype(np.float32))


def _h264(video: Video, bitrate: str) -> Video:
    """Re-encode the sampled frames as an H.264 stream at ``bitrate`` and decode them back."""
    buf = io.BytesIO()
    frames = video.frames
    h0, w0 = frames[0].image.pixels.shape[:2]
    w, h = w0 - w0 % 2, h0 - h0 % 2
    with av.open(buf, mode="w", format="mp4") as out:
        stream: Any = out.add_stream("libx264", rate=max(1, round(video.fps)))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.bit_rate = _rate(bitrate)
        for vf in frames:
            px = vf.image.pixels
            if px.shape[:2] != (h0, w0):
                px = np.asarray(PIL.Image.fromarray(px).resize((w0, h0)))
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(px[:h, :w]), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    container: Any
    with av.open(buf) as container:
        decoded: list[Any] = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    new_frames = tuple(
        VideoFrame(vf.index, vf.time, replace(vf.image, pixels=px), vf.keyframe)
        for vf, px in zip(frames, decoded, strict=False)
    )
    return replace(video, frames=new_frames)


ImageFn = Callable[[Image, str], Image]
AudioFn = Callable[[Audio, str], Audio]

_IMAGE: dict[str, ImageFn] = {
    "jpeg": _jpeg,
    "webp": _webp,
    "resize": _resize,
    "crop": _crop,
    "blur": _blur,
    "noise": _image_noise,
    "saturation": _saturation,
    "frame": _frame,
}
_AUDIO: dict[str, AudioFn] = {
    "mp3": _audio_codec("libmp3lame", "mp3"),
    "aac": _audio_codec("aac", "adts"),
    "opus": _audio_codec("libopus", "ogg"),
    "resample": _resample_roundtrip,
    "noise": _audio_noise,
    "highpass": _highpass,
}

PERTURBATIONS: dict[str, str] = {
    "jpeg:Q": "JPEG re-encode at quality Q (image, video frames)",
    "webp:Q": "WebP re-encode at quality Q",
    "resize:F": "scale by factor F (0.5 = half size)",
    "crop:F": "centre crop keeping fraction F of each side",
    "blur:R": "Gaussian blur radius R pixels",
    "saturation:F": "colour scaled by F (0 = greyscale, 1 = unchanged)",
    "noise:X": "image: Gaussian noise sigma X (0-255); audio: white noise at X dB SNR",
    "h264:B": "video frames re-encoded as H.264 at bitrate B (e.g. 500k)",
    "frame:CRF": "an image or each video frame as an H.264 intra frame at CRF (23 = x264 default): a frame grab",
    "mp3:B / aac:B / opus:B": "audio round trip through the codec at bitrate B (e.g. 32k)",
    "resample:R": "audio down-sampled to R Hz and back to 16 kHz",
    "highpass:F": "audio high-passed at F Hz (2nd order; a phone's or laptop microphone's low edge)",
}


@dataclass(frozen=True)
class Perturbation:
    """A parsed perturbation spec; call it on a medium. ``then`` chains another one after it
    (``"resize:0.5+jpeg:75"``: halve, then re-encode)."""

    kind: str
    param: str
    then: Perturbation | None = None

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.param}" + (f"+{self.then.name}" if self.then is not None else "")

    def __call__(self, media: Media) -> Media:
        return apply(self, media)


def parse_perturbation(spec: str) -> Perturbation:
    """Parse ``"name:param"``, or several joined by ``+`` (applied left to right); raises ValueError
    listing the known names."""
    first, plus, rest = spec.partition("+")
    kind, _, param = first.partition(":")
    if kind not in {*_IMAGE, *_AUDIO, "h264"} or not param or (plus and not rest):
        raise ValueError(
            f"unknown perturbation {spec!r}; known: {', '.join(PERTURBATIONS)} (join steps with +)"
        )
    return Perturbation(kind, param, parse_perturbation(rest) if rest else None)


def apply(p: Perturbation, media: Media) -> Media:
    """Apply a perturbation (and the ones chained after it) to an image, a video or audio."""
    out = _apply_one(p, media)
    return apply(p.then, out) if p.then is not None else out


def _apply_one(p: Perturbation, media: Media) -> Media:
    """One step to an image, a video (frames and audio track) or audio."""
    if isinstance(media, Image):
        if p.kind not in _IMAGE:
            raise ValueError(f"perturbation {p.name} does not apply to images")
        return _IMAGE[p.kind](media, p.param)
    if isinstance(media, Audio):
        if p.kind not in _AUDIO:
            raise ValueError(f"perturbation {p.name} does not apply to audio")
        return _AUDIO[p.kind](media, p.param)
    if p.kind == "h264":
        return _h264(media, p.param)
    if p.kind in _IMAGE:
        frames = tuple(replace(vf, image=_IMAGE[p.kind](vf.image, p.param)) for vf in media.frames)
        return replace(media, frames=frames)
    if p.kind in _AUDIO and media.audio is not None:
        return replace(media, audio=_AUDIO[p.kind](media.audio, p.param))
    return media
