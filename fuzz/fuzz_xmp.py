"""Fuzz the XMP / IPTC readers: packet finding, packet parsing, DigitalSourceType crosswalk, packet update.

Contract checked on every input: ``find_packets`` returns bounded packets; ``parse_packet`` returns or
raises ValueError / SyntaxError (``xml.etree.ElementTree.ParseError``), which every caller catches;
``label_for_source_type`` never raises; ``update_packet`` (what label writing does to an uploaded
file's packet) yields a packet that reads back with exactly the AIGC value written.

    python fuzz/fuzz_xmp.py -max_total_time=3600 var/fuzz/xmp fuzz/corpus/xmp
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.provenance import _xmp
    from synthguard.provenance.iptc import label_for_source_type

VALUE = '{"AIGC":{"Label":"1","ContentPropagator":"fuzz"}}'


def test_one(data: bytes) -> None:
    for packet in _xmp.find_packets(data):
        assert len(packet) <= _xmp.MAX_XMP_BYTES
    try:
        props = _xmp.parse_packet(data)
    except (ValueError, SyntaxError):
        return
    for uri in props.digital_source_type:
        label_for_source_type(uri)
    try:
        updated = _xmp.update_packet(data, aigc=VALUE)
    except (ValueError, SyntaxError):
        return
    again = _xmp.parse_packet(updated)
    values = [v for _, v in again.aigc]
    assert values == [VALUE], f"update_packet left {values!r}"


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
