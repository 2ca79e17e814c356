"""Fuzz label writing on uploaded files (``POST /v1/labels`` calls ``propagate``): any upload gives a file
or a ProvenanceError (the API's 422); any other exception would be a 500 from the service.

It also checks that a written file reads back with exactly one AIGC field holding the label written
(``write_label`` verifies this itself since fuzzing found four ways damaged metadata swallowed a
write: tests/hardening/test_provenance_fuzz_regressions.py).

    python fuzz/fuzz_label_write.py -max_total_time=3600 var/fuzz/label_write fuzz/corpus/label_write
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.errors import ProvenanceError
    from synthguard.provenance import propagate, read_label

NAMES = ("upload.jpg", "upload.png", "upload.webp", "upload.mp3", "upload.wav", "upload.mp4", "upload.flac")


def test_one(data: bytes) -> None:
    name = NAMES[data[-1] % len(NAMES)] if data else "upload"
    try:
        out, written = propagate(data, propagator="fuzz", propagate_id="p-1", label="2", name=name)
    except ProvenanceError:
        return
    reading = read_label(out, name)
    assert len(reading.fields) == 1, f"{len(reading.fields)} AIGC fields after writing: {reading.problems}"
    assert reading.label == written, f"wrote {written}, read back {reading.label} ({reading.problems})"


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
