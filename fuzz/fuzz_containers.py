"""Fuzz the container metadata readers: JPEG segments, PNG chunks (incl. compressed text), WebP chunks,
HEIF/AVIF packet scan, and the ID3 / MP4 / Vorbis tag readers behind ``read_label``.

The bytes are read as every container kind in turn (the format is forced, as a sniffer mistake or a
polyglot would), so each walker sees every input. Contract: the walkers return or raise
ProvenanceError / ValueError; ``read_label`` and ``read_iptc`` never raise and give JSON-ready results.

    python fuzz/fuzz_containers.py -max_total_time=3600 var/fuzz/containers fuzz/corpus/containers
"""

from __future__ import annotations

import contextlib
import json
import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.errors import ProvenanceError
    from synthguard.provenance import _containers, read_iptc, read_label

WALKED = ("jpeg", "png", "webp", "heif", "avif")
TAGGED = ("mp3", "wav", "mp4", "m4a", "flac", "ogg")
EXPECTED = (ProvenanceError, ValueError)


def test_one(data: bytes) -> None:
    for fmt in WALKED:
        with contextlib.suppress(EXPECTED):
            _containers.get_xmp(data, fmt)
        try:
            found, _problems = _containers.find_aigc(data, fmt)
        except EXPECTED:
            continue
        for where, name, value in found:
            assert isinstance(where, str) and isinstance(name, str) and isinstance(value, str)
    for fmt in WALKED + TAGGED:
        reading = read_label(data, f"upload.{fmt}")  # the name decides only for unknown content
        json.dumps(reading.to_dict())
    json.dumps(read_iptc(data).to_dict())


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
