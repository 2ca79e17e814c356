"""Fuzz ``inspect_bytes``, what the scan pipeline runs on every upload: AIGC, C2PA and IPTC readers together.

Contract: never raises, whatever the bytes and the claimed name; the report is JSON; the implicit label
is None or "1" / "2" / "3" and comes with its source. Hangs and memory blow-ups are caught by
libFuzzer's ``-timeout`` and ``-rss_limit_mb``.

    python fuzz/fuzz_inspect.py -max_total_time=3600 var/fuzz/inspect fuzz/corpus/inspect
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.provenance import inspect_bytes

NAMES = ("upload.jpg", "upload.png", "upload.webp", "upload.mp3", "upload.mp4", "upload.heic", "upload")


def test_one(data: bytes) -> None:
    name = NAMES[data[0] % len(NAMES)] if data else ""
    signals, report = inspect_bytes(data, name)
    assert report is not None
    json.dumps(report)
    assert signals.implicit_label in (None, "1", "2", "3"), signals.implicit_label
    assert (signals.implicit_label is None) == (not signals.implicit_label_source)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
