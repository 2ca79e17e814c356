"""Real files made by others (../shared/data/provenance), checked against MANIFEST.txt's expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthguard.provenance import inspect

pytestmark = pytest.mark.data

# file name -> (C2PA validation state or None, C2PA status code that must appear, implied label, source prefix,
#               AIGC ContentProducer)
EXPECTED: dict[str, tuple[str | None, str | None, str | None, str, str]] = {
    "c2pa-rs__C.jpg": ("Valid", None, None, "", ""),  # DST algorithmicMedia is NOT AI
    "c2pa-rs__CA.jpg": ("Valid", None, None, "", ""),
    "ms-validator__cards_trusted.jpg": ("Invalid", "signingCredential.invalid", None, "", ""),
    "ms-validator__cards_trusted.png": ("Invalid", "signingCredential.invalid", None, "", ""),
    "ms-validator__cards_trusted.mp4": ("Invalid", "signingCredential.invalid", None, "", ""),
    "ms-validator__cicadas_trusted.wav": ("Invalid", "signingCredential.invalid", None, "", ""),
    "c2pa-python__sample1_signed.wav": ("Valid", None, None, "", ""),
    "c2pa-rs__no_alg.jpg": ("Invalid", "algorithm.unsupported", None, "", ""),
    "raw__chatgpt-1.png": ("Invalid", "signingCredential.expired", "1", "C2PA ingredient", ""),
    "raw__firefly-1.png": ("Valid", None, "1", "C2PA active", ""),
    "raw__doubao_black_1x1_1__doubao-xmp-tc260.png": (
        None,
        None,
        "1",
        "AIGC XMP",
        "001191110102MACQD9K64010000",
    ),
    "raw__jimeng_cap_C__jimeng-xmp-tc260.png": (None, None, "1", "AIGC XMP", "00119144030008867405X210001"),
    "banano__1f95dd7d__made-with-google-ai-xmp-only.png": (None, None, "1", "IPTC", ""),
    "c2pa-ts__trustnxt-icon__unsigned.heic": (None, None, None, "", ""),
}


@pytest.fixture(scope="module")
def files(shared_data: Path) -> dict[str, Path]:
    root = shared_data / "provenance"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    return {p.name: p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reader_matches_manifest(files: dict[str, Path], name: str) -> None:
    if name not in files:
        pytest.skip(f"{name} not in shared data")
    state, code, label, source, producer = EXPECTED[name]
    report = inspect(files[name].read_bytes(), name)
    assert report.c2pa.validation_state == state, report.c2pa.to_dict()
    if code:
        assert code in report.c2pa.status_codes
    assert report.implicit_label == label
    assert report.implicit_label_source.startswith(source)
    if producer:
        aigc = report.aigc.label
        assert aigc is not None and aigc.content_producer == producer and aigc.label == "1"
        assert {p.code for p in report.aigc.problems} == {"no_aigc_wrapper"}  # bare object, reported
    assert report.seconds < 1.0


def test_manifest_lists_every_file(files: dict[str, Path]) -> None:
    listed = files.get("MANIFEST.txt")
    if listed is None:
        pytest.skip("no MANIFEST.txt")
    text = listed.read_text("utf-8")
    for name in EXPECTED:
        assert name in text


def test_relabel_a_real_doubao_file_keeps_producer(files: dict[str, Path]) -> None:
    from synthguard.provenance.aigc import IntegrityKey, propagate, read_label, verify_label

    name = "raw__doubao_black_1x1_1__doubao-xmp-tc260.png"
    if name not in files:
        pytest.skip(f"{name} not in shared data")
    key = IntegrityKey.hmac(b"platform-secret-0001")
    out, label = propagate(files[name].read_bytes(), propagator="PLATFORM", propagate_id="u-1", key=key)
    read = read_label(out)
    assert read.label == label and read.problems == ()
    assert label.content_producer == "001191110102MACQD9K64010000" and verify_label(label, key)
