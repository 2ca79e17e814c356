"""Round trips of the AIGC label through every container: write, read, validate, media unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthguard.errors import ProvenanceError
from synthguard.provenance import _containers, _xmp
from synthguard.provenance.aigc import (
    AigcLabel,
    IntegrityKey,
    propagate,
    read_label,
    verify_label,
    write_label,
)

from .conftest import MAKERS, decode_all

CONTAINERS = sorted(MAKERS)
PRODUCER = AigcLabel("1", "001191110102MACQD9K64010000", "cc75f5e99aae4210960acb722f10974e")


def _same_media(a: bytes, b: bytes) -> bool:
    da, db = decode_all(a), decode_all(b)
    return len(da) == len(db) and all(np.array_equal(x, y) for x, y in zip(da, db, strict=True))


@pytest.mark.parametrize("kind", CONTAINERS)
def test_write_read_validate_and_media_unchanged(media: dict[str, bytes], kind: str) -> None:
    original = media[kind]
    assert not read_label(original).present
    written = write_label(original, PRODUCER)
    reading = read_label(written)
    assert reading.label == PRODUCER, reading.to_dict()
    assert reading.problems == ()
    assert _same_media(original, written)
    json.dumps(reading.to_dict())


@pytest.mark.parametrize("kind", CONTAINERS)
def test_second_write_overwrites(media: dict[str, bytes], kind: str) -> None:
    once = write_label(media[kind], PRODUCER)
    twice = write_label(once, AigcLabel("2", "OTHER", "X2"))
    reading = read_label(twice)
    assert len(reading.fields) == 1
    assert reading.label == AigcLabel("2", "OTHER", "X2")
    assert _same_media(media[kind], twice)


@pytest.mark.parametrize("kind", CONTAINERS)
def test_propagate_keeps_producer_and_signs(media: dict[str, bytes], kind: str) -> None:
    key = IntegrityKey.hmac(b"platform-secret-0001")
    produced = write_label(media[kind], PRODUCER)
    out, label = propagate(produced, propagator="PLATFORM01", propagate_id="item-42", key=key)
    read = read_label(out).label
    assert read == label
    assert (read.label, read.content_producer, read.produce_id) == (
        "1",
        PRODUCER.content_producer,
        PRODUCER.produce_id,
    )
    assert (read.content_propagator, read.propagate_id) == ("PLATFORM01", "item-42")
    assert verify_label(read, key)
    assert _same_media(media[kind], out)


def test_propagate_without_label_needs_a_decision(media: dict[str, bytes]) -> None:
    with pytest.raises(ProvenanceError, match="no valid Label"):
        propagate(media["png"], propagator="P", propagate_id="1")
    out, label = propagate(media["png"], propagator="P", propagate_id="1", label="3")
    assert read_label(out).label == label and label.label == "3"


def test_propagate_replaces_a_malformed_label(media: dict[str, bytes]) -> None:
    bad = _plant_xmp(media["png"], ['{"AIGC":{"Label":"AIGC","ContentProducer":"P","ProduceID":"I"}}'])
    out, label = propagate(bad, propagator="PL", propagate_id="9", label="3")
    assert (label.label, label.content_producer, label.produce_id) == ("3", "P", "I")
    assert read_label(out).label == label


def test_invalid_label_is_not_written(media: dict[str, bytes]) -> None:
    with pytest.raises(ProvenanceError, match="invalid label"):
        write_label(media["png"], AigcLabel("AIGC", "P", "I"))
    with pytest.raises(ProvenanceError, match="invalid label"):
        write_label(media["png"], AigcLabel("1", "字节", "I"))


def test_heic_is_read_only() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    assert not read_label(heic).present
    with pytest.raises(ProvenanceError, match="not supported"):
        write_label(heic, PRODUCER)


def _plant_xmp(png: bytes, values: list[str], attr: bool = False) -> bytes:
    """A PNG whose XMP holds the given AIGC values (real-world malformed shapes)."""
    from xml.sax.saxutils import escape, quoteattr

    props = "".join(f"<TC260:AIGC{i}>{escape(v)}</TC260:AIGC{i}>" for i, v in enumerate(values))
    attrs = " TC260:AIGC=" + quoteattr(values[0]) if attr else ""
    body = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"{attrs}>'
        f"{'' if attr else props}</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return _containers.set_xmp(png, "png", _xmp.build_packet(body.encode()))


GOOD_VALUE = PRODUCER.to_json()


@pytest.mark.parametrize(
    ("values", "attr", "trusted", "codes"),
    [
        ([GOOD_VALUE], False, True, set()),
        ([GOOD_VALUE], True, True, set()),  # attribute form
        ([GOOD_VALUE, GOOD_VALUE], False, False, {"multiple_labels"}),
        ([GOOD_VALUE, AigcLabel("3", "Q", "J").to_json()], False, False, {"multiple_labels"}),
        (
            ['{"AIGC":{"Label":"AIGC","ContentProducer":"P","ProduceID":"I"}}'],
            False,
            False,
            {"bad_label", "missing_element"},
        ),
        (["{broken"], False, False, {"invalid_json"}),
    ],
)
def test_malformed_real_world_shapes_are_reported(
    media: dict[str, bytes], values: list[str], attr: bool, trusted: bool, codes: set[str]
) -> None:
    reading = read_label(_plant_xmp(media["png"], values, attr))
    assert reading.present
    assert (reading.label is not None) is trusted
    assert {p.code for p in reading.problems} == codes


def test_png_text_chunk_and_xmp_count_as_two_labels(media: dict[str, bytes]) -> None:
    import struct
    import zlib

    body = b"AIGC\x00" + GOOD_VALUE.encode()
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    png = write_label(media["png"], PRODUCER)
    iend = png.rindex(b"IEND") - 4
    two = png[:iend] + chunk + png[iend:]
    reading = read_label(two)
    assert len(reading.fields) == 2 and reading.label is None
    # writing removes both and leaves exactly one
    assert len(read_label(write_label(two, PRODUCER)).fields) == 1


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("cut", [0.0, 0.1, 0.5, 0.9])
def test_damaged_files_never_crash_the_reader(media: dict[str, bytes], kind: str, cut: float) -> None:
    data = write_label(media[kind], PRODUCER)
    reading = read_label(data[: int(len(data) * cut)])
    json.dumps(reading.to_dict())


def test_png_text_chunk_flagged_compressed_but_not_zlib() -> None:
    """Found by fuzz/fuzz_containers.py: an iTXt XMP chunk with the compression flag set over plain
    bytes made zlib.error escape the XMP reader; it is a ValueError now, and read_label reports it."""
    text = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _containers._png_chunk(b"IHDR", bytes.fromhex("0000000100000001080200000000"))
        + _containers._png_chunk(b"iTXt", text)
        + _containers._png_chunk(b"IEND", b"")
    )
    with pytest.raises(ValueError, match="not valid zlib data"):
        _containers.get_xmp(png, "png")
    json.dumps(read_label(png).to_dict())


def test_huge_xmp_is_bounded(media: dict[str, bytes]) -> None:
    import time

    value = '{"AIGC":{"Label":"1","ContentProducer":"' + "A" * 5_000_000 + '"}}'
    png = _plant_xmp(media["png"], [value])
    t0 = time.perf_counter()
    reading = read_label(png)
    assert time.perf_counter() - t0 < 2.0
    assert reading.label is None
    assert {p.code for p in reading.problems} & {"too_large", "xmp_unreadable"}


def test_jpeg_keeps_exif_first_and_other_segments(media: dict[str, bytes]) -> None:
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(media["jpeg"]))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    out = write_label(buf.getvalue(), PRODUCER)
    assert Image.open(io.BytesIO(out)).getexif()[0x010F] == "CameraMaker"
    assert out.index(b"Exif") < out.index(b"http://ns.adobe.com/xap/1.0/")
    assert read_label(out).label == PRODUCER


def test_other_xmp_properties_survive(media: dict[str, bytes]) -> None:
    from synthguard.provenance.iptc import read_iptc, write_iptc

    png = write_iptc(media["png"], "trainedAlgorithmicMedia")
    out = write_label(png, PRODUCER)
    assert read_iptc(out).label == "1"
    assert read_label(out).label == PRODUCER


def test_pyexiv2_reads_what_we_write(media: dict[str, bytes]) -> None:
    pyexiv2 = pytest.importorskip("pyexiv2")
    out = write_label(media["jpeg"], PRODUCER)
    with pyexiv2.ImageData(out) as img:
        xmp = img.read_xmp()
    assert any("AIGC" in k and "ContentProducer" in v for k, v in xmp.items())


@pytest.mark.parametrize("packet", [b"<x:xmpmeta><unclosed></x:xmpmeta>", b"<x:xmpmeta " + b"a" * 100])
def test_unreadable_xmp_is_reported_then_replaced(media: dict[str, bytes], packet: bytes) -> None:
    png = _containers.set_xmp(media["png"], "png", packet)
    reading = read_label(png)
    assert reading.label is None
    out = write_label(png, PRODUCER)
    assert read_label(out).label == PRODUCER
    assert out.count(b"XML:com.adobe.xmp") == 1


@pytest.mark.parametrize(
    ("found", "given", "override", "expected"),
    [
        ("1", "3", False, "1"),
        ("3", "1", False, "1"),
        ("2", "3", False, "2"),
        ("1", "3", True, "3"),
        ("2", None, False, "2"),
    ],
)
def test_propagate_never_weakens_the_label(
    media: dict[str, bytes], found: str, given: str | None, override: bool, expected: str
) -> None:
    produced = write_label(media["png"], AigcLabel(found, "P", "I"))
    _, label = propagate(produced, propagator="PL", propagate_id="1", label=given, override=override)
    assert label.label == expected


def test_heic_label_and_iptc_are_read() -> None:
    import io

    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    from synthguard.provenance.iptc import read_iptc

    pillow_heif.register_heif_opener()
    packet = _xmp.update_packet(None, aigc=PRODUCER.to_json(), digital_source_type="trainedAlgorithmicMedia")
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buf, "HEIF", xmp=packet)
    heic = buf.getvalue()
    assert read_label(heic).label == PRODUCER
    assert read_iptc(heic).digital_source_types == ("trainedAlgorithmicMedia",)
    with pytest.raises(ProvenanceError, match="not supported"):
        write_label(heic, PRODUCER)


def test_rich_xmp_written_by_exiv2_survives(media: dict[str, bytes]) -> None:
    pyexiv2 = pytest.importorskip("pyexiv2")
    props = {
        "Xmp.dc.title": {'lang="x-default"': "Hello", 'lang="zh-CN"': "你好"},
        "Xmp.dc.subject": ["a", "b"],
        "Xmp.xmp.CreatorTool": "Tool 1.0",
        "Xmp.photoshop.Credit": "Someone",
    }
    with pyexiv2.ImageData(media["jpeg"]) as img:
        img.modify_xmp(props)
        tagged = img.get_bytes()
    out = write_label(tagged, PRODUCER)
    with pyexiv2.ImageData(out) as img:
        after = img.read_xmp()
    assert all(after[k] == v for k, v in props.items())
    assert read_label(out).label == PRODUCER


def _riff_chunk(cid: bytes, body: bytes) -> bytes:
    import struct

    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


@pytest.mark.parametrize("where", ["top", "info"])
def test_wav_riff_aigc_chunk_is_read_and_replaced(media: dict[str, bytes], where: str) -> None:
    import struct

    wav = media["wav"]
    chunk = _riff_chunk(b"AIGC", AigcLabel("2", "Q", "J").to_json().encode())
    if where == "info":
        chunk = _riff_chunk(b"LIST", b"INFO" + chunk + _riff_chunk(b"ISFT", b"tool\x00"))
    body = wav[8:] + chunk
    planted = b"RIFF" + struct.pack("<I", len(body)) + body
    reading = read_label(planted)
    assert reading.label == AigcLabel("2", "Q", "J"), reading.to_dict()
    assert reading.fields[0].location.startswith("RIFF")
    both = write_label(planted, PRODUCER)
    after = read_label(both)
    assert len(after.fields) == 1 and after.label == PRODUCER
    assert _same_media(wav, both)
    if where == "info":
        assert b"ISFT" in both  # other INFO entries are kept


def test_mp4_xmp_label_is_read_and_never_duplicated(media: dict[str, bytes]) -> None:
    import struct

    from synthguard.provenance.iptc import read_iptc

    packet = _xmp.update_packet(None, aigc=PRODUCER.to_json(), digital_source_type="trainedAlgorithmicMedia")
    body = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + packet
    mp4 = media["mp4"] + struct.pack(">I", 8 + len(body)) + b"uuid" + body
    reading = read_label(mp4)
    assert reading.label == PRODUCER and reading.fields[0].location == "MP4 XMP"
    assert read_iptc(mp4).label == "1"
    with pytest.raises(ProvenanceError, match="second label"):
        write_label(mp4, PRODUCER)
