"""Explicit (visible / audible) labels of GB 45438: render them and check they meet the rules.

Rules implemented (GB 45438-2025 explicit labels, configurable where the text is not verified):

* the wording contains "AI" or "人工智能" and "生成" or "合成" (default "AI生成");
* image: in a corner, text height >= 5% of the shortest side;
* video: on the start frame and shown for >= 2 s (or throughout), same size rule;
* audio: the Morse rhythm of "AI" (short-long-short-short) at the start.

Fonts: a CJK font from a distribution package (Debian ``fonts-noto-cjk`` or ``fonts-wqy-microhei``)
is found at run time. Without one, Chinese wording cannot render and :func:`find_font` raises
:class:`~synthguard.errors.ConfigError` saying what to install; ASCII wording falls back to
DejaVu / Pillow's default font.

Example:
    >>> check_wording("AI生成")
    []
    >>> check_wording("generated")[0]
    'wording must contain "AI" or "人工智能"'
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..errors import ConfigError, MediaError, ProvenanceError

__all__ = [
    "FONT_CANDIDATES",
    "Corner",
    "LabelPlacement",
    "OcrResult",
    "PromptDetection",
    "VisibleLabelSpec",
    "check_placement",
    "check_wording",
    "detect_audio_prompt",
    "detect_visible_label",
    "find_font",
    "label_audio_bytes",
    "label_audio_samples",
    "label_image",
    "label_image_bytes",
    "label_video_bytes",
    "morse_prompt",
]

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]

#: (path, index in a .ttc collection). Noto Sans CJK index 2 is the Simplified Chinese face.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
)
_LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def check_wording(text: str) -> list[str]:
    """Violations of the wording rule (empty list: compliant)."""
    out = []
    if "AI" not in text and "人工智能" not in text:
        out.append('wording must contain "AI" or "人工智能"')
    if "生成" not in text and "合成" not in text:
        out.append('wording must contain "生成" or "合成"')
    return out


def _needs_cjk(text: str) -> bool:
    return any(ord(c) > 0x2E7F for c in text)


def find_font(text: str, size: int, font_path: str | None = None, index: int = 0) -> tuple[Any, str]:
    """A font that renders ``text`` at ``size`` px, and its path (``"pillow-default"`` as last resort).

    Raises:
        ConfigError: the text needs CJK glyphs and no CJK font is installed.
    """
    if font_path:
        try:
            return ImageFont.truetype(font_path, size, index=index), font_path
        except OSError as exc:
            raise ConfigError(f"cannot load font {font_path}: {exc}") from exc
    candidates = (
        [*FONT_CANDIDATES] if _needs_cjk(text) else [*FONT_CANDIDATES, *((p, 0) for p in _LATIN_FONTS)]
    )
    for path, idx in candidates:
        if Path(path).is_file():
            return ImageFont.truetype(path, size, index=idx), path
    if _needs_cjk(text):
        raise ConfigError(
            "no CJK font found for the label text; install one, e.g. "
            "`apt-get install fonts-noto-cjk` or `fonts-wqy-microhei`, or pass font_path"
        )
    return ImageFont.load_default(size), "pillow-default"


@dataclass(frozen=True)
class VisibleLabelSpec:
    """How to draw the label.

    Attributes:
        text: the wording (checked by :func:`check_wording` unless ``strict=False``).
        corner: where it goes.
        height_ratio: text (ink) height as a fraction of the shortest side; at least 0.05.
        margin_ratio: distance from the edges as a fraction of the shortest side.
        video_seconds: how long a video label shows from the start (>= 2); None: throughout.
    """

    text: str = "AI生成"
    corner: Corner = "bottom-right"
    height_ratio: float = 0.06
    margin_ratio: float = 0.02
    fill: tuple[int, int, int] = (255, 255, 255)
    background: tuple[int, int, int, int] = (0, 0, 0, 150)
    font_path: str | None = None
    font_index: int = 0
    video_seconds: float | None = 3.0
    strict: bool = True

    def __post_init__(self) -> None:
        problems = check_wording(self.text)
        if problems and self.strict:
            raise ConfigError(f"label wording {self.text!r} is not compliant: {'; '.join(problems)}")
        if self.height_ratio < 0.05 and self.strict:
            raise ConfigError("height_ratio must be >= 0.05 (GB 45438: 5% of the shortest side)")
        if self.corner not in ("top-left", "top-right", "bottom-left", "bottom-right"):
            raise ConfigError(f"unknown corner {self.corner!r}")
        if self.video_seconds is not None and self.video_seconds < 2.0 and self.strict:
            raise ConfigError("video_seconds must be >= 2 (or None: throughout)")


@dataclass(frozen=True, slots=True)
class LabelPlacement:
    """Where and how a label was drawn; what :func:`check_placement` verifies."""

    text: str
    box: tuple[int, int, int, int]  # text ink box (x0, y0, x1, y1) in pixels
    image_size: tuple[int, int]
    text_height: int
    corner: Corner
    font: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": list(self.box),
            "image_size": list(self.image_size),
            "text_height": self.text_height,
            "corner": self.corner,
            "font": self.font,
        }


def check_placement(p: LabelPlacement, *, corner_fraction: float = 0.25) -> list[str]:
    """Violations of the image rules (empty: compliant). The box must lie within the corner region
    (``corner_fraction`` of width and height from the named corner) and its ink height must reach
    5% of the shortest side."""
    out = check_wording(p.text)
    w, h = p.image_size
    need = math.ceil(0.05 * min(w, h))
    if p.text_height < need:
        out.append(f"text height {p.text_height}px < 5% of the shortest side ({need}px)")
    x0, y0, x1, y1 = p.box
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        out.append("label box extends outside the image")
    left = x0 <= w * corner_fraction
    right = x1 >= w * (1 - corner_fraction)
    top = y0 <= h * corner_fraction
    bottom = y1 >= h * (1 - corner_fraction)
    ok = {
        "top-left": left and top,
        "top-right": right and top,
        "bottom-left": left and bottom,
        "bottom-right": right and bottom,
    }[p.corner]
    if not ok:
        out.append(f"label is not in the {p.corner} corner")
    return out


def _fit_font(spec: VisibleLabelSpec, need: int) -> tuple[Any, str, tuple[int, int, int, int]]:
    size = max(8, need)
    for _ in range(12):  # ink height of CJK text is ~0.85-0.95 of the font size: grow until it fits
        font, path = find_font(spec.text, size, spec.font_path, spec.font_index)
        bbox = font.getbbox(spec.text)
        ink = bbox[3] - bbox[1]
        if ink >= need or path == "pillow-default":
            return font, path, bbox
        size = max(size + 1, math.ceil(size * need / max(ink, 1)))
    return font, path, bbox


def label_image(
    image: Image.Image, spec: VisibleLabelSpec | None = None
) -> tuple[Image.Image, LabelPlacement]:
    """Draw the label in a corner of an image (a new RGB/RGBA image is returned)."""
    spec = spec or VisibleLabelSpec()
    w, h = image.size
    short = min(w, h)
    need = math.ceil(spec.height_ratio * short)
    font, path, bbox = _fit_font(spec, need)
    tw, th = bbox[2] - bbox[0], bbox[3] - bbox[1]
    margin = max(1, round(spec.margin_ratio * short))
    pad = max(1, th // 6)
    x = margin + pad if spec.corner.endswith("left") else w - margin - pad - tw
    y = margin + pad if spec.corner.startswith("top") else h - margin - pad - th
    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((x - pad, y - pad, x + tw + pad, y + th + pad), fill=spec.background)
    draw.text((x - bbox[0], y - bbox[1]), spec.text, font=font, fill=(*spec.fill, 255))
    out = Image.alpha_composite(base, overlay)
    out = out if image.mode in ("RGBA", "LA", "P") and "A" in image.getbands() else out.convert("RGB")
    placement = LabelPlacement(spec.text, (x, y, x + tw, y + th), (w, h), th, spec.corner, path)
    return out, placement


def label_image_bytes(
    data: bytes, spec: VisibleLabelSpec | None = None, *, quality: int = 95
) -> tuple[bytes, LabelPlacement]:
    """Label an encoded JPEG/PNG/WebP and re-encode it in the same format, keeping its XMP
    (so an implicit AIGC label survives the visible one)."""
    from . import _containers

    fmt = _containers.container_of(data)
    if fmt not in ("jpeg", "png", "webp"):
        raise ProvenanceError(f"visible labels are written into JPEG, PNG or WebP images, not {fmt}")
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot decode the image to label it: {exc}") from exc

    img = ImageOps.exif_transpose(img)
    out, placement = label_image(img, spec)
    buf = io.BytesIO()
    if fmt == "jpeg":
        out.convert("RGB").save(buf, "JPEG", quality=quality)
    elif fmt == "png":
        out.save(buf, "PNG")
    else:
        out.save(buf, "WEBP", quality=quality)
    encoded = buf.getvalue()
    xmp = _containers.get_xmp(data, fmt)
    if xmp:
        encoded = _containers.set_xmp(encoded, fmt, xmp)
    return encoded, placement


def label_video_bytes(
    data: bytes, spec: VisibleLabelSpec | None = None, *, crf: int = 20, max_frames: int = 100_000
) -> tuple[bytes, LabelPlacement]:
    """Re-encode a video (H.264 in MP4) with the label on the start frame and for
    ``spec.video_seconds`` (None: every frame). Audio is re-encoded to AAC.

    Raises:
        MediaError: the video cannot be decoded.
    """
    import av

    spec = spec or VisibleLabelSpec()
    out_buf = io.BytesIO()
    placement: LabelPlacement | None = None
    try:
        inp = av.open(io.BytesIO(data), mode="r")
    except Exception as exc:
        raise MediaError(f"cannot open the video to label it: {exc}") from exc
    with inp:
        if not inp.streams.video:
            raise MediaError("no video stream to label")
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        rate = vin.average_rate or Fraction(25)
        with av.open(out_buf, "w", format="mp4") as out:
            vout = out.add_stream("libx264", rate=rate)
            vout.width = vin.codec_context.width // 2 * 2
            vout.height = vin.codec_context.height // 2 * 2
            vout.pix_fmt = "yuv420p"
            vout.options = {"crf": str(crf), "preset": "veryfast"}
            aout = None
            resampler = None
            if ain is not None:
                aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 44100)
                aout.layout = "stereo" if (ain.codec_context.channels or 1) > 1 else "mono"
                resampler = av.AudioResampler(format="fltp", layout=aout.layout, rate=aout.rate)
            streams = [s for s in (vin, ain) if s is not None]
            n = 0
            t_first: float | None = None
            for frame in inp.decode(*streams):
                if isinstance(frame, av.VideoFrame):
                    n += 1
                    if n > max_frames:
                        raise MediaError(f"video has more than {max_frames} frames")
                    t = float(frame.time or 0.0)
                    t_first = t if t_first is None else t_first
                    img = frame.to_image()
                    if spec.video_seconds is None or t - t_first < spec.video_seconds or n == 1:
                        img, placement = label_image(img, spec)
                        img = img.convert("RGB")
                    img = img.crop((0, 0, vout.width, vout.height))
                    vf = av.VideoFrame.from_image(img)
                    for pkt in vout.encode(vf):
                        out.mux(pkt)
                elif isinstance(frame, av.AudioFrame) and aout is not None and resampler is not None:
                    frame.pts = None
                    for rf in resampler.resample(frame):
                        for pkt in aout.encode(rf):
                            out.mux(pkt)
            for pkt in vout.encode(None):
                out.mux(pkt)
            if aout is not None:
                for pkt in aout.encode(None):
                    out.mux(pkt)
    if placement is None:
        raise MediaError("the video has no decodable frames")
    return out_buf.getvalue(), placement


# --------------------------------------------------------------------------- audio prompt


def morse_prompt(
    sample_rate: int, *, unit: float = 0.08, freq: float = 1000.0, level: float = 0.5
) -> np.ndarray:
    """The Morse rhythm of "AI" (short-long-short-short, i.e. ·− ··) as float32 mono samples.

    A dot is one ``unit``, a dash three, gaps one unit inside a letter and three between letters,
    then three units of silence. Tones have 5 ms fades (no clicks).
    """
    pattern = [(1, True), (1, False), (3, True), (3, False), (1, True), (1, False), (1, True), (3, False)]
    parts = []
    t_fade = int(0.005 * sample_rate)
    for units, on in pattern:
        n = round(units * unit * sample_rate)
        if on:
            tone = level * np.sin(2 * np.pi * freq * np.arange(n) / sample_rate)
            env = np.ones(n)
            if t_fade and n > 2 * t_fade:
                ramp = np.linspace(0.0, 1.0, t_fade)
                env[:t_fade], env[-t_fade:] = ramp, ramp[::-1]
            parts.append(tone * env)
        else:
            parts.append(np.zeros(n))
    return np.concatenate(parts).astype(np.float32)


def label_audio_samples(samples: np.ndarray, sample_rate: int, **kw: Any) -> np.ndarray:
    """Prepend the "AI" rhythm prompt to float samples shaped (n,) or (channels, n)."""
    prompt = morse_prompt(sample_rate, **kw)
    if samples.ndim == 1:
        return np.concatenate([prompt, samples.astype(np.float32)])
    return np.concatenate([np.tile(prompt, (samples.shape[0], 1)), samples.astype(np.float32)], axis=1)


def _decode_audio(data: bytes) -> tuple[np.ndarray, int]:
    """Decode to float32 planar (channels, n) at the file's own rate."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as inp:
            if not inp.streams.audio:
                raise MediaError("no audio stream")
            stream = inp.streams.audio[0]
            rate = stream.codec_context.sample_rate
            layout = "stereo" if (stream.codec_context.channels or 1) > 1 else "mono"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
            chunks = [f.to_ndarray() for fr in inp.decode(stream) for f in resampler.resample(fr)]
            chunks.extend(f.to_ndarray() for f in resampler.resample(None))
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(f"cannot decode the audio: {exc}") from exc
    if not chunks:
        raise MediaError("the audio has no samples")
    return np.concatenate(chunks, axis=1).astype(np.float32), int(rate)


def _encode_audio(y: np.ndarray, rate: int, fmt: str) -> bytes:
    """Encode float planar samples (channels, n) as 16-bit WAV or FLAC."""
    import av

    layout = "stereo" if y.shape[0] >= 2 else "mono"
    y = y[:2] if y.shape[0] > 2 else y
    pcm = np.round(np.clip(y, -1.0, 1.0) * 32767).astype(np.int16)
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream("pcm_s16le" if fmt == "wav" else "flac", rate=rate)
        stream.layout = layout
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = rate
        for pkt in stream.encode(frame):
            out.mux(pkt)
        for pkt in stream.encode(None):
            out.mux(pkt)
    return buf.getvalue()


def label_audio_bytes(data: bytes, **kw: Any) -> bytes:
    """Prepend the "AI" rhythm prompt to a WAV or FLAC file (re-encoded as 16-bit PCM / FLAC)."""
    from . import _containers

    fmt = _containers.container_of(data)
    if fmt not in ("wav", "flac"):
        raise ProvenanceError(f"audio prompts are written into WAV or FLAC, not {fmt}")
    x, rate = _decode_audio(data)
    return _encode_audio(label_audio_samples(x, rate, **kw), rate, fmt)


@dataclass(frozen=True, slots=True)
class PromptDetection:
    """Result of looking for the "AI" rhythm prompt."""

    found: bool
    pattern: str  # e.g. ".-.." for short-long-short-short
    start: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "pattern": self.pattern, "start": self.start}


def detect_audio_prompt(
    samples: np.ndarray, sample_rate: int, *, search_seconds: float = 5.0, freq: float | None = None
) -> PromptDetection:
    """Find the short-long-short-short tone rhythm in the first ``search_seconds``.

    Works on the energy envelope of the dominant tone (any pitch unless ``freq`` is given): tones
    are runs where the band energy exceeds a quarter of its maximum; runs are classified as short
    or long by their duration ratio.
    """
    x = samples.mean(axis=0) if samples.ndim == 2 else samples
    x = np.asarray(x[: int(search_seconds * sample_rate)], dtype=np.float64)
    hop = max(1, int(0.005 * sample_rate))
    win = 4 * hop
    if len(x) < win * 4:
        return PromptDetection(False, "")
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hanning(win)
    spec = np.abs(np.fft.rfft(frames, axis=1))
    band = int(np.argmax(spec.sum(axis=0)[1:])) + 1 if freq is None else round(freq * win / sample_rate)
    energy = spec[:, max(band - 1, 1) : band + 2].sum(axis=1)
    tonal = energy / (spec.sum(axis=1) + 1e-9)
    on = (energy > 0.25 * energy.max()) & (tonal > 0.3)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(on):
        if on[i]:
            j = i
            while j < len(on) and on[j]:
                j += 1
            runs.append((i, j - i))
            i = j
        else:
            i += 1
    runs = [r for r in runs if r[1] * hop / sample_rate >= 0.03]
    for k in range(len(runs) - 3):
        four = runs[k : k + 4]
        short = min(r[1] for r in four)
        pattern = "".join("-" if r[1] >= 2 * short else "." for r in four)
        gaps = [four[m + 1][0] - (four[m][0] + four[m][1]) for m in range(3)]
        if pattern == ".-.." and max(gaps) <= 6 * short:
            return PromptDetection(True, pattern, four[0][0] * hop / sample_rate)
    return PromptDetection(False, "")


# --------------------------------------------------------------------------- OCR of visible labels


def _label_in_text(text: str) -> bool:
    """Compliant wording on one OCR line (lines, not the whole text: fragments of different
    corners must not add up to a label)."""
    for line in text.splitlines():
        compact = "".join(line.split())
        # Tesseract often reads "AI" as "Al" / "A1" / "A|" with CJK fonts
        fixed = compact.replace("Al", "AI").replace("A1", "AI").replace("A|", "AI")
        if not check_wording(fixed):
            return True
    return False


@dataclass(frozen=True, slots=True)
class OcrResult:
    """Result of looking for a visible AI label with OCR.

    ``available`` is False when no OCR engine was found (then ``found`` says nothing).
    """

    found: bool
    text: str = ""
    available: bool = True
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "text": self.text, "available": self.available, "seconds": self.seconds}


def detect_visible_label(
    image: Image.Image, *, corner_fraction: float = 0.25, tesseract: str = "tesseract", timeout: float = 30.0
) -> OcrResult:
    """Look for "AI生成"-style wording in the four corners of an image with Tesseract OCR.

    The corners are cut, upscaled and tiled into one mosaic so one OCR call covers all four; a
    second, grey auto-contrast rendering is read when the first finds nothing. Needs the Debian packages ``tesseract-ocr`` and ``tesseract-ocr-chi-sim`` (no Python
    dependency); without them the result says ``available=False``.
    """
    import shutil
    import subprocess
    import time

    exe = shutil.which(tesseract)
    if exe is None:
        return OcrResult(False, available=False)
    t0 = time.perf_counter()
    rgb = image.convert("RGB")
    w, h = rgb.size
    cw, ch = max(1, int(w * corner_fraction)), max(1, int(h * corner_fraction))
    boxes = [(0, 0, cw, ch), (w - cw, 0, w, ch), (0, h - ch, cw, h), (w - cw, h - ch, w, h)]
    texts = []
    # two renderings (colour 2x; grey, auto-contrast 3x): each reads labels the other misses
    for mode, scale in (("RGB", 2), ("L", 3)):
        scale = scale if max(cw, ch) < 800 else 1
        gap = 16
        mosaic = Image.new(mode, (2 * cw * scale + gap, 2 * ch * scale + gap), "white")
        for i, box in enumerate(boxes):
            tile = rgb.crop(box)
            tile = tile if mode == "RGB" else ImageOps.autocontrast(tile.convert("L"))
            tile = tile.resize((cw * scale, ch * scale), Image.Resampling.BICUBIC)
            mosaic.paste(tile, ((i % 2) * (cw * scale + gap), (i // 2) * (ch * scale + gap)))
        buf = io.BytesIO()
        mosaic.save(buf, "PNG")
        try:
            run = subprocess.run(
                [exe, "stdin", "stdout", "-l", "chi_sim+eng", "--psm", "11"],
                input=buf.getvalue(),
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return OcrResult(False, available=False, seconds=time.perf_counter() - t0)
        if run.returncode != 0:
            return OcrResult(False, available=False, seconds=time.perf_counter() - t0)
        text = run.stdout.decode("utf-8", "replace").strip()
        texts.append(text)
        if _label_in_text(text):
            return OcrResult(True, text[:200], True, time.perf_counter() - t0)
    return OcrResult(False, " | ".join(texts)[:200], True, time.perf_counter() - t0)
