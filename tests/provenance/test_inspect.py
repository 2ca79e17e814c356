"""The pipeline contract ``inspect_bytes`` and the IPTC / C2PA <-> GB 45438 crosswalk."""

from __future__ import annotations

import json

import pytest

from synthguard.policy import Signals
from synthguard.provenance import inspect_bytes
from synthguard.provenance.aigc import AigcLabel, write_label
from synthguard.provenance.iptc import (
    IPTC_DST_BASE,
    label_for_source_type,
    read_iptc,
    source_type_for_label,
    write_iptc,
)

from .conftest import MAKERS


@pytest.mark.parametrize(
    ("uri", "label"),
    [
        (IPTC_DST_BASE + "trainedAlgorithmicMedia", "1"),
        (IPTC_DST_BASE + "compositeWithTrainedAlgorithmicMedia", "1"),
        ("http://c2pa.org/digitalsourcetype/trainedAlgorithmicMedia", "1"),
        (IPTC_DST_BASE + "trainedAlgorithmicMedia/", "1"),
        (IPTC_DST_BASE + "algorithmicMedia", None),
        (IPTC_DST_BASE + "digitalCapture", None),
        (IPTC_DST_BASE + "compositeSynthetic", None),
        (IPTC_DST_BASE + "composite", None),
        ("http://c2pa.org/digitalsourcetype/empty", None),
        ("", None),
        (None, None),
    ],
)
def test_crosswalk_ingest(uri: str | None, label: str | None) -> None:
    assert label_for_source_type(uri) == label


@pytest.mark.parametrize(
    ("label", "composite", "uri"),
    [
        ("1", False, IPTC_DST_BASE + "trainedAlgorithmicMedia"),
        ("1", True, IPTC_DST_BASE + "compositeWithTrainedAlgorithmicMedia"),
        ("2", False, None),
        ("3", False, None),
        (None, False, None),
    ],
)
def test_crosswalk_egress(label: str | None, composite: bool, uri: str | None) -> None:
    assert source_type_for_label(label, composite=composite) == uri
    if uri:
        assert label_for_source_type(uri) == label


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp-lossless", "webp-lossy"])
def test_iptc_write_read_overwrite(media: dict[str, bytes], kind: str) -> None:
    out = write_iptc(media[kind], "trainedAlgorithmicMedia")
    assert read_iptc(out).digital_source_types == (IPTC_DST_BASE + "trainedAlgorithmicMedia",)
    again = write_iptc(out, IPTC_DST_BASE + "digitalCapture")
    reading = read_iptc(again)
    assert reading.digital_source_types == (IPTC_DST_BASE + "digitalCapture",) and reading.label is None


def _with(media: dict[str, bytes], aigc: str | None = None, iptc: str | None = None) -> bytes:
    data = media["png"]
    if iptc:
        data = write_iptc(data, iptc)
    if aigc:
        from synthguard.provenance import _containers, _xmp

        packet = _xmp.update_packet(_containers.get_xmp(data, "png"), aigc=aigc)
        data = _containers.set_xmp(data, "png", packet)
    return data


@pytest.mark.parametrize(
    ("aigc", "iptc", "label", "source"),
    [
        (None, None, None, ""),
        (AigcLabel("1", "P", "I").to_json(), None, "1", "AIGC XMP"),
        (AigcLabel("2", "P", "I").to_json(), None, "2", "AIGC XMP"),
        (AigcLabel("3", "P", "I").to_json(), None, "3", "AIGC XMP"),
        (None, "trainedAlgorithmicMedia", "1", "IPTC XMP DigitalSourceType"),
        (None, "compositeWithTrainedAlgorithmicMedia", "1", "IPTC XMP DigitalSourceType"),
        (None, "digitalCapture", None, ""),
        (AigcLabel("3", "P", "I").to_json(), "trainedAlgorithmicMedia", "1", "IPTC XMP DigitalSourceType"),
        (AigcLabel("1", "P", "I").to_json(), "digitalCapture", "1", "AIGC XMP"),
        ('{"AIGC":{"Label":"AIGC"}}', None, None, ""),  # malformed: reported, never trusted
        ('{"AIGC":{"Label":"AIGC"}}', "trainedAlgorithmicMedia", "1", "IPTC XMP DigitalSourceType"),
        ("garbage", None, None, ""),
    ],
)
def test_inspect_decision_table(
    media: dict[str, bytes], aigc: str | None, iptc: str | None, label: str | None, source: str
) -> None:
    signals, report = inspect_bytes(_with(media, aigc, iptc), "x.png")
    assert isinstance(signals, Signals)
    assert (signals.implicit_label, signals.implicit_label_source) == (label, source)
    assert report is not None and report["implicit_label"] == label
    json.dumps(report)
    if aigc and label is None:
        assert report["aigc"]["present"] and report["aigc"]["problems"]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_inspect_reads_every_container(media: dict[str, bytes], kind: str) -> None:
    signals, report = inspect_bytes(write_label(media[kind], AigcLabel("1", "P", "I")), "")
    assert signals.implicit_label == "1"
    assert report is not None and report["seconds"] < 1.0


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n" + b"\xff" * 50,
        b"RIFF\x00\x00\x00\x00WEBPVP8X",
        b"RIFF\xff\xff\xff\xffWAVEfmt ",
        b"ID3\x04\x00\x00\x00\x00\x00\x00",
        b"fLaC\x00",
        b"OggS" + b"\x00" * 40,
        b"\x00\x00\x00\x18ftypisom" + b"\xff" * 30,
        b"random bytes that are no media at all",
    ],
)
def test_inspect_never_raises(data: bytes) -> None:
    signals, report = inspect_bytes(data, "upload.bin")
    assert signals.implicit_label is None
    json.dumps(report)


def test_pipeline_uses_inspect_bytes() -> None:
    from synthguard.pipeline import provenance_signals

    signals, report = provenance_signals(b"", "x")
    assert signals == Signals() and report is not None


def test_inspect_survives_the_hostile_corpus() -> None:
    """Bombs, truncations, bit flips and polyglots from tests/hostilemedia.py: never raise, stay fast."""
    import time

    hostilemedia = pytest.importorskip("hostilemedia")
    for name, data, _ in hostilemedia.corpus():
        t0 = time.perf_counter()
        signals, report = inspect_bytes(data, name)
        assert time.perf_counter() - t0 < 2.0, name
        json.dumps(report)
        assert signals.implicit_label is None, name
