"""Byte-level metadata access per container: find and replace AIGC fields and XMP packets.

Images (JPEG, PNG, WebP) are walked chunk by chunk and only metadata chunks are replaced, so the
coded image data stays byte-identical. Audio and MP4 go through mutagen, which rewrites tags only.
Every reader is bounded: chunks larger than the XMP limit are skipped, compressed text is
inflated with a cap.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

from ..errors import ProvenanceError
from ..media import sniff
from . import _xmp
from .aigc import Problem

__all__ = ["container_of", "find_aigc", "get_xmp", "set_xmp", "write_aigc"]

Found = list[tuple[str, str, str]]  # (location, field name, value)

JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_XMP_KEY = b"XML:com.adobe.xmp"
MP4_KEY = "----:cn.org.tc260:AIGC"
TAG_KEY = "AIGC"

_EXT = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "webp": "webp",
    "heic": "heif",
    "heif": "heif",
    "mp4": "mp4",
    "mov": "mov",
    "m4a": "m4a",
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "ogg",
    "opus": "ogg",
    "oga": "ogg",
}


def container_of(data: bytes, name: str = "") -> str:
    """The container format from the content (the name's extension only when content is unknown)."""
    fmt = sniff(data[:64]).format
    if fmt == "unknown" and "." in name:
        fmt = _EXT.get(name.rsplit(".", 1)[-1].lower(), "unknown")
    return fmt


# ----------------------------------------------------------------------------- JPEG


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each marker segment before the scan data."""
    if not data.startswith(b"\xff\xd8"):
        raise ProvenanceError("not a JPEG (no SOI marker)")
    out: list[tuple[int, int, int]] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ProvenanceError(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            out.append((marker, pos, pos + 2))
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ProvenanceError(f"JPEG segment at byte {pos} runs past the end of the file")
        out.append((marker, pos, end))
        if marker in (0xDA, 0xD9):  # SOS: entropy-coded data follows
            break
        pos = end
    return out


def _jpeg_get_xmp(data: bytes) -> bytes | None:
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xE1 and data[start + 4 : start + 4 + len(JPEG_XMP_HEADER)] == JPEG_XMP_HEADER:
            return data[start + 4 + len(JPEG_XMP_HEADER) : end]
    return None


def _jpeg_set_xmp(data: bytes, packet: bytes) -> bytes:
    payload = JPEG_XMP_HEADER + packet
    if len(payload) + 2 > 0xFFFF:
        raise ProvenanceError(f"XMP packet of {len(packet)} bytes does not fit one JPEG APP1 segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    segs = _jpeg_segments(data)
    keep: list[bytes] = [data[:2]]
    insert_at = 1
    for marker, start, end in segs:
        chunk = data[start:end]
        if marker == 0xE1 and chunk[4 : 4 + len(JPEG_XMP_HEADER)] == JPEG_XMP_HEADER:
            continue  # old XMP: replaced, never appended
        if marker == 0xDA:
            keep.append(data[start:])  # SOS and everything after it, untouched
            break
        keep.append(chunk)
        leading = marker == 0xE0 or (marker == 0xE1 and chunk[4:10] == b"Exif\x00\x00")
        if leading and insert_at == len(keep) - 1:  # after JFIF / Exif, which must come first
            insert_at = len(keep)
    else:
        last_end = segs[-1][2] if segs else 2
        keep.append(data[last_end:])
    keep.insert(insert_at, segment)
    return b"".join(keep)


# ----------------------------------------------------------------------------- PNG


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk, end including the CRC."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ProvenanceError("not a PNG (bad signature)")
    out = []
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ProvenanceError(f"PNG chunk {ctype!r} at byte {pos} runs past the end of the file")
        out.append((ctype, pos, end))
        pos = end
        if ctype == b"IEND":
            break
    return out


def _png_text(data: bytes, ctype: bytes, start: int, end: int) -> tuple[bytes, str] | None:
    """(keyword, text) of a tEXt / zTXt / iTXt chunk, inflating at most the XMP limit.

    Raises:
        ValueError: the chunk is larger than the limit (reported, not parsed).
    """
    if end - start - 12 > _xmp.MAX_XMP_BYTES:
        raise ValueError(
            f"text chunk of {end - start - 12} bytes exceeds the {_xmp.MAX_XMP_BYTES}-byte limit"
        )
    body = data[start + 8 : end - 4]
    key, sep, rest = body.partition(b"\x00")
    if not sep:
        return None
    if ctype == b"tEXt":
        return key, rest.decode("latin-1")
    if ctype == b"zTXt":
        return key, _inflate(rest[1:]).decode("latin-1")
    if ctype == b"iTXt":
        flag, _method, rest = rest[0], rest[1], rest[2:]
        _lang, _, rest = rest.partition(b"\x00")
        _trans, _, text = rest.partition(b"\x00")
        return key, (_inflate(text) if flag else text).decode("utf-8", "replace")
    return None


def _inflate(blob: bytes) -> bytes:
    d = zlib.decompressobj()
    try:
        out = d.decompress(blob, _xmp.MAX_XMP_BYTES)
    except zlib.error as exc:  # a chunk that says "compressed" over bytes that are not
        raise ValueError(f"compressed text chunk is not valid zlib data ({exc})") from exc
    if d.unconsumed_tail:
        raise ValueError(f"compressed text chunk inflates beyond {_xmp.MAX_XMP_BYTES} bytes")
    return out


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _png_get_xmp(data: bytes) -> bytes | None:
    for ctype, start, end in _png_chunks(data):
        if ctype == b"iTXt" and data[start + 8 : start + 8 + len(PNG_XMP_KEY) + 1] == PNG_XMP_KEY + b"\x00":
            got = _png_text(data, ctype, start, end)
            return got[1].encode("utf-8") if got else None
    return None


def _png_rewrite(data: bytes, drop: Callable[[bytes, int, int], bool], new_chunk: bytes | None) -> bytes:
    chunks = _png_chunks(data)
    out = [data[:8]]
    inserted = new_chunk is None
    for ctype, start, end in chunks:
        if drop(ctype, start, end):
            continue
        if not inserted and ctype in (b"IDAT", b"IEND"):
            out.append(new_chunk or b"")
            inserted = True
        out.append(data[start:end])
    out.append(data[chunks[-1][2] :] if chunks else b"")
    return b"".join(out)


def _png_is_xmp(data: bytes, ctype: bytes, start: int) -> bool:
    return ctype == b"iTXt" and data[start + 8 : start + 9 + len(PNG_XMP_KEY)] == PNG_XMP_KEY + b"\x00"


def _png_is_aigc_text(data: bytes, ctype: bytes, start: int) -> bool:
    if ctype not in (b"tEXt", b"zTXt", b"iTXt"):
        return False
    key = data[start + 8 : min(start + 8 + 80, len(data))].partition(b"\x00")[0]
    return b"AIGC" in key


def _png_set_xmp(data: bytes, packet: bytes) -> bytes:
    chunk = _png_chunk(b"iTXt", PNG_XMP_KEY + b"\x00\x00\x00\x00\x00" + packet)
    return _png_rewrite(data, lambda t, s, e: _png_is_xmp(data, t, s) or _png_is_aigc_text(data, t, s), chunk)


# ----------------------------------------------------------------------------- WebP


def _webp_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ProvenanceError("not a WebP (no RIFF/WEBP header)")
    out = []
    pos = 12
    while pos + 8 <= len(data):
        ctype = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise ProvenanceError(f"WebP chunk {ctype!r} runs past the end of the file")
        out.append((ctype, pos, min(end, len(data))))
        pos = end
    return out


def _webp_get_xmp(data: bytes) -> bytes | None:
    for ctype, start, end in _webp_chunks(data):
        if ctype == b"XMP ":
            if end - start > _xmp.MAX_XMP_BYTES:
                raise ValueError(
                    f"XMP chunk of {end - start} bytes exceeds the {_xmp.MAX_XMP_BYTES}-byte limit"
                )
            (size,) = struct.unpack("<I", data[start + 4 : start + 8])
            return data[start + 8 : start + 8 + size]
    return None


def _webp_canvas(data: bytes, chunks: list[tuple[bytes, int, int]]) -> tuple[int, int, bool]:
    for ctype, start, _end in chunks:
        body = data[start + 8 : start + 8 + 10]
        if ctype == b"VP8 " and body[3:6] == b"\x9d\x01\x2a":
            w = struct.unpack("<H", body[6:8])[0] & 0x3FFF
            h = struct.unpack("<H", body[8:10])[0] & 0x3FFF
            return w, h, any(c == b"ALPH" for c, _, _ in chunks)
        if ctype == b"VP8L" and body[:1] == b"\x2f":
            bits = int.from_bytes(body[1:5], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise ProvenanceError("WebP without a VP8/VP8L image chunk")


def _webp_set_xmp(data: bytes, packet: bytes) -> bytes:
    chunks = _webp_chunks(data)
    parts: list[bytes] = []
    if chunks and chunks[0][0] == b"VP8X":
        _, start, end = chunks[0]
        vp8x = bytearray(data[start:end])
        vp8x[8] |= 0x04  # XMP flag
        parts.append(bytes(vp8x))
        rest = chunks[1:]
    else:
        w, h, alpha = _webp_canvas(data, chunks)
        flags = 0x04 | (0x10 if alpha else 0)
        body = bytes([flags, 0, 0, 0]) + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
        parts.append(b"VP8X" + struct.pack("<I", len(body)) + body)
        rest = chunks
    parts.extend(data[s:e] for c, s, e in rest if c != b"XMP ")
    xmp = b"XMP " + struct.pack("<I", len(packet)) + packet + (b"\x00" if len(packet) & 1 else b"")
    parts.append(xmp)
    body = b"WEBP" + b"".join(parts)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# ----------------------------------------------------------------------------- WAV RIFF chunks


def _riff_chunks(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(id, start, end) of RIFF chunks between ``start`` and ``end`` (end includes the pad byte)."""
    out = []
    pos = start
    while pos + 8 <= end:
        cid = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        stop = min(pos + 8 + size + (size & 1), end)
        out.append((cid, pos, stop))
        pos = pos + 8 + size + (size & 1)
    return out


def _wav_aigc_chunks(data: bytes) -> list[tuple[str, int, int, str]]:
    """RIFF chunks whose id contains AIGC, top level or inside LIST/INFO: (name, start, end, value)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return []
    found = []
    for cid, start, end in _riff_chunks(data, 12, len(data)):
        if b"AIGC" in cid.upper():
            found.append(
                (
                    cid.decode("latin-1"),
                    start,
                    end,
                    data[start + 8 : end].rstrip(b"\x00").decode("utf-8", "replace"),
                )
            )
        elif cid == b"LIST" and data[start + 8 : start + 12] == b"INFO":
            for sid, s0, s1 in _riff_chunks(data, start + 12, end):
                if b"AIGC" in sid.upper():
                    value = data[s0 + 8 : s1].rstrip(b"\x00").decode("utf-8", "replace")
                    found.append((f"LIST/INFO {sid.decode('latin-1')}", s0, s1, value))
    return found


def _wav_strip_aigc_chunks(data: bytes) -> bytes:
    """Remove RIFF chunks named AIGC (top level or in LIST/INFO); sample data is not touched."""
    if not _wav_aigc_chunks(data):
        return data
    parts = [data[:12]]
    for cid, start, end in _riff_chunks(data, 12, len(data)):
        if b"AIGC" in cid.upper():
            continue
        if cid == b"LIST" and data[start + 8 : start + 12] == b"INFO":
            subs = [
                data[s0:s1]
                for sid, s0, s1 in _riff_chunks(data, start + 12, end)
                if b"AIGC" not in sid.upper()
            ]
            body = b"INFO" + b"".join(subs)
            parts.append(b"LIST" + struct.pack("<I", len(body)) + body)
            continue
        parts.append(data[start:end])
    body = b"".join(parts)[8:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


# ----------------------------------------------------------------------------- ISO-BMFF (MP4, MOV, M4A)


def _bmff_xmp(data: bytes, limit: int = 64 * 1024 * 1024) -> bytes | None:
    """An XMP packet in any top-level box but ``mdat`` (``moov/udta/XMP_``, Adobe's ``uuid`` box).

    Media data is skipped, so the cost does not grow with the length of the video.
    """
    pos = 0
    while pos + 8 <= len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        btype = data[pos + 4 : pos + 8]
        header = 8
        if size == 1 and pos + 16 <= len(data):
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            return None
        if btype not in (b"mdat", b"free", b"skip") and size <= limit:
            packets = _xmp.find_packets(data[pos : pos + size])
            if packets:
                return packets[0]
        pos += size
    return None


# ----------------------------------------------------------------------------- dispatch

_XMP_GET = {"jpeg": _jpeg_get_xmp, "png": _png_get_xmp, "webp": _webp_get_xmp}
_XMP_SET = {"jpeg": _jpeg_set_xmp, "png": _png_set_xmp, "webp": _webp_set_xmp}
_MUTAGEN = {"mp3", "wav", "mp4", "mov", "m4a", "flac", "ogg"}


def get_xmp(data: bytes, fmt: str) -> bytes | None:
    """The file's XMP packet (None when it has none). HEIC: the first packet found in the bytes."""
    if fmt in _XMP_GET:
        return _XMP_GET[fmt](data)
    if fmt in ("heif", "avif"):
        packets = _xmp.find_packets(data[: 64 * 1024 * 1024])
        return packets[0] if packets else None
    if fmt in ("mp4", "mov", "m4a"):
        return _bmff_xmp(data)
    return None


def set_xmp(data: bytes, fmt: str, packet: bytes) -> bytes:
    """Replace (or add) the XMP packet of a JPEG, PNG or WebP; everything else stays byte-identical."""
    if fmt not in _XMP_SET:
        raise ProvenanceError(f"writing XMP into {fmt} is not supported (JPEG, PNG, WebP are)")
    return _XMP_SET[fmt](data, packet)


def find_aigc(data: bytes, fmt: str) -> tuple[Found, list[Problem]]:
    """Every field whose name contains ``AIGC``, with container-level problems."""
    found: Found = []
    problems: list[Problem] = []
    if fmt in _XMP_GET or fmt in ("heif", "avif"):
        try:
            packet = get_xmp(data, fmt)
        except ValueError as exc:
            packet = None
            problems.append(Problem("xmp_unreadable", str(exc)[:300], severity="warning"))
        if packet is not None:
            try:
                props = _xmp.parse_packet(packet)
            except Exception as exc:
                problems.append(
                    Problem("xmp_unreadable", f"XMP packet is not readable: {exc}"[:300], severity="warning")
                )
            else:
                found.extend(("XMP", name, value) for name, value in props.aigc)
        if fmt == "png":
            for ctype, start, end in _png_chunks(data):
                if _png_is_aigc_text(data, ctype, start):
                    try:
                        got = _png_text(data, ctype, start, end)
                    except ValueError as exc:
                        problems.append(Problem("too_large", str(exc)[:300]))
                        continue
                    if got:
                        found.append((f"PNG {ctype.decode()}", got[0].decode("latin-1"), got[1]))
    elif fmt in _MUTAGEN:
        found.extend(_mutagen_find(data, fmt))
        if fmt in ("mp4", "mov", "m4a"):
            try:
                packet = _bmff_xmp(data)
                if packet is not None:
                    found.extend(("MP4 XMP", name, value) for name, value in _xmp.parse_packet(packet).aigc)
            except Exception as exc:
                problems.append(
                    Problem("xmp_unreadable", f"XMP packet is not readable: {exc}"[:300], severity="warning")
                )
        if fmt == "wav":
            found.extend(("RIFF " + name, name, value) for name, _, _, value in _wav_aigc_chunks(data))
    return found, problems


def write_aigc(data: bytes, fmt: str, value: str) -> bytes:
    """Replace every AIGC field with one holding ``value``."""
    if fmt in _XMP_SET:
        try:
            packet = _xmp.update_packet(get_xmp(data, fmt), aigc=value)
        except (ValueError, SyntaxError):  # unreadable old packet (ParseError is a SyntaxError): replace it
            packet = _xmp.update_packet(None, aigc=value)
        return set_xmp(data, fmt, packet)
    if fmt in _MUTAGEN:
        if fmt in ("mp4", "mov", "m4a"):
            old_xmp = _bmff_xmp(data)
            if old_xmp is not None and b"AIGC" in old_xmp:
                raise ProvenanceError(
                    "this file carries an AIGC field in its MP4 XMP, which synthguard cannot rewrite; "
                    "refusing to add a second label (GB 45438: one label per file)"
                )
        if fmt == "wav":
            data = _wav_strip_aigc_chunks(data)  # one label per file: a RIFF AIGC chunk goes too
        return _mutagen_write(data, fmt, value)
    raise ProvenanceError(f"writing the AIGC label into {fmt} is not supported")


# ----------------------------------------------------------------------------- mutagen


def _mutagen_open(buf: io.BytesIO, fmt: str) -> Any:
    import mutagen
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.wave import WAVE

    cls = {"mp3": MP3, "wav": WAVE, "flac": FLAC, "mp4": MP4, "mov": MP4, "m4a": MP4}.get(fmt)
    if cls is not None:
        return cls(buf)
    f = mutagen.File(buf)
    if f is None:
        raise ProvenanceError(f"mutagen cannot open this {fmt} file")
    return f


def _mutagen_find(data: bytes, fmt: str) -> Found:
    f = _mutagen_open(io.BytesIO(data), fmt)
    tags = f.tags
    if tags is None:
        return []
    out: Found = []
    if fmt in ("mp3", "wav"):
        for frame in tags.values():
            desc = getattr(frame, "desc", "")
            if "AIGC" in desc or "AIGC" in frame.FrameID:
                out.append((f"ID3 {frame.FrameID}", desc or frame.FrameID, "".join(map(str, frame.text))))
    elif fmt in ("mp4", "mov", "m4a"):
        for key, values in tags.items():
            if "AIGC" in key:
                for v in values:
                    out.append(
                        ("MP4", key, bytes(v).decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
                    )
    else:
        for key in tags.keys():  # noqa: SIM118 (a VComment iterates as (key, value) pairs)
            if "AIGC" in key.upper():
                out.extend(("Vorbis comment", key, value) for value in tags[key])
    return out


def _mutagen_write(data: bytes, fmt: str, value: str) -> bytes:
    from mutagen.id3 import TXXX
    from mutagen.mp4 import AtomDataType, MP4FreeForm

    buf = io.BytesIO(data)
    f = _mutagen_open(buf, fmt)
    if f.tags is None:
        f.add_tags()
    tags = f.tags
    if fmt in ("mp3", "wav"):
        for key in [k for k, fr in tags.items() if "AIGC" in getattr(fr, "desc", "") or "AIGC" in fr.FrameID]:
            del tags[key]
        tags.add(TXXX(encoding=3, desc=TAG_KEY, text=[value]))
    elif fmt in ("mp4", "mov", "m4a"):
        for key in [k for k in tags if "AIGC" in k]:
            del tags[key]
        tags[MP4_KEY] = [MP4FreeForm(value.encode("utf-8"), dataformat=AtomDataType.UTF8)]
    else:
        for key in {k for k in tags.keys() if "AIGC" in k.upper()}:  # noqa: SIM118
            del tags[key]
        tags[TAG_KEY] = [value]
    buf.seek(0)
    f.save(buf)
    return buf.getvalue()
