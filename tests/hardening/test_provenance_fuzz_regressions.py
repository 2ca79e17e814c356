"""Regressions from fuzzing the provenance parsers and writers (fuzz/fuzz_*.py).

Each case is the minimised input of a finding. Bugs not fixed yet are ``xfail(strict=True)``: the day
the fix lands the test passes, xfail turns it red, and the marker (and the matching exemption in the
harness named in the reason) must be removed.
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from synthguard.errors import ProvenanceError
from synthguard.provenance import AigcLabel, _containers, _xmp, inspect_bytes, propagate, read_label

CRASHES = Path(__file__).parent / "crashes"
VALUE = '{"AIGC":{"Label":"1","ContentPropagator":"fuzz"}}'


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def _wav(seconds: float = 1.0) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x01\x00" * int(16000 * seconds))
    return buf.getvalue()


def _jpeg_with_foreign_rdf() -> bytes:
    """XMP whose ``rdf`` prefix is bound to another namespace (fuzz_xmp, fuzz_label_write)."""
    return _containers.set_xmp(
        _jpeg(), "jpeg", b'<rdf:RDF xmlns:rdf="urn:not-rdf"><rdf:Description/></rdf:RDF>'
    )


def _truncated_wav() -> bytes:
    """A WAV cut mid-``data`` chunk, as an interrupted upload leaves it (fuzz_label_write)."""
    data = _wav()
    return data[: len(data) // 2]


def _png_without_idat_or_iend() -> bytes:
    """A PNG with a header chunk and nothing else (fuzz_label_write)."""
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))


def _mp3_damaged_id3() -> bytes:
    """An MP3 whose ID3v2.4 tag holds a garbled frame (fuzz_label_write, SYNTHGUARD_FUZZ_READBACK=1)."""
    return (CRASHES / "label_write-mp3-damaged-id3v24.bin").read_bytes()


def test_update_packet_on_a_foreign_namespace_root_reads_back() -> None:
    packet = b'<rdf:RDF xmlns:rdf="p:/tw/thww.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>'
    try:
        updated = _xmp.update_packet(packet, aigc=VALUE)
    except (ValueError, SyntaxError):
        return  # refusing the packet is an acceptable fix too
    assert [v for _, v in _xmp.parse_packet(updated).aigc] == [VALUE]


@pytest.mark.parametrize(
    ("make", "name"),
    [
        pytest.param(_jpeg_with_foreign_rdf, "a.jpg", id="jpeg-foreign-rdf-namespace"),
        pytest.param(_truncated_wav, "a.wav", id="wav-truncated"),
        pytest.param(_png_without_idat_or_iend, "a.png", id="png-no-idat-no-iend"),
        pytest.param(_mp3_damaged_id3, "a.mp3", id="mp3-damaged-id3v24"),
        pytest.param(_jpeg, "a.jpg", id="jpeg-control"),
        pytest.param(_wav, "a.wav", id="wav-control"),
    ],
)
def test_a_written_label_reads_back_or_the_write_is_refused(make: Callable[[], bytes], name: str) -> None:
    data = make()
    try:
        out, written = propagate(data, propagator="fuzz", propagate_id="p-1", label="2", name=name)
    except ProvenanceError:
        return  # refusing damaged input is a correct answer (the API's 422)
    reading = read_label(out, name)
    assert len(reading.fields) == 1 and reading.label == written, (reading.fields, reading.problems)
    assert written == AigcLabel("2", content_propagator="fuzz", propagate_id="p-1")


@pytest.mark.parametrize(
    "make",
    [_jpeg_with_foreign_rdf, _truncated_wav, _png_without_idat_or_iend, _mp3_damaged_id3],
    ids=["xmp", "wav", "png", "mp3"],
)
def test_inspect_bytes_reports_the_findings_without_raising(make: Callable[[], bytes]) -> None:
    signals, report = inspect_bytes(make(), "upload")
    assert report is not None and signals.implicit_label is None


def test_rewriting_a_packet_removes_an_aigc_nested_under_a_foreign_wrapper() -> None:
    """fuzz_xmp (session 8): an AIGC property under an rdf:RDF that sits inside a wrapper of another
    namespace was read, but not removed when a label was written, so the file carried two labels."""
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><o:RDF xmlns:o="http://example.com/other/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:f="http://foreign.example/" f:AIGC="old"/>'
        b"</rdf:RDF></o:RDF></x:xmpmeta>"
    )
    assert [v for _, v in _xmp.parse_packet(packet).aigc] == ["old"]
    value = '{"AIGC":{"Label":"1"}}'
    again = _xmp.parse_packet(_xmp.update_packet(packet, aigc=value))
    assert [v for _, v in again.aigc] == [value]
