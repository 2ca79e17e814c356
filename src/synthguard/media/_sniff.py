"""Content sniffing: what a byte string is, from its first bytes, never from a file name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Sniffed", "sniff"]

Family = Literal["image", "audio", "container", "unknown"]

# ISO-BMFF major brands that are still images / audio-only.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}


@dataclass(frozen=True)
class Sniffed:
    """``family``: image (decode with Pillow), audio (PyAV, audio only), container (PyAV: video
    or audio decided by its streams), unknown. ``format`` is a short name such as ``jpeg``."""

    family: Family
    format: str


def sniff(head: bytes) -> Sniffed:
    """Identify a format from the first bytes (at least 32 are needed for certainty)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "gif")
    if head.startswith(b"BM") and len(head) >= 14:
        return Sniffed("image", "bmp")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image", "tiff")
    if head[:4] == b"RIFF" and len(head) >= 12:
        sub = head[8:12]
        if sub == b"WEBP":
            return Sniffed("image", "webp")
        if sub == b"WAVE":
            return Sniffed("audio", "wav")
        if sub == b"AVI ":
            return Sniffed("container", "avi")
        return Sniffed("unknown", "riff")
    if head[:4] == b"RF64":
        return Sniffed("audio", "wav")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return Sniffed("image", "avif")
        if brand in _HEIF_BRANDS:
            return Sniffed("image", "heif")
        if brand in _AUDIO_BRANDS:
            return Sniffed("audio", "m4a")
        if brand == b"qt  ":
            return Sniffed("container", "mov")
        return Sniffed("container", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("container", "webm" if b"webm" in head[:64] else "mkv")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac")
    if head.startswith(b"OggS"):
        return Sniffed("container", "ogg")
    if head.startswith(b"ID3"):
        return Sniffed("audio", "mp3")
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS sync: 1111 1111 1111 x00x
            return Sniffed("audio", "aac")
        if head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
            return Sniffed("audio", "mp3")
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x47"):
        return Sniffed("container", "mpeg")
    return Sniffed("unknown", "unknown")
