"""Fuzz the media sniffer and loaders: any bytes must give a Media object or a MediaError.

Run longer than CI does with:  python fuzz/fuzz_media.py -max_total_time=3600 fuzz/corpus/media
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.errors import MediaError
    from synthguard.media import Limits, load, sniff

LIMITS = Limits(max_bytes=4 << 20, max_pixels=4_000_000, max_dimension=4096, max_duration=60.0, max_frames=4)


def test_one(data: bytes) -> None:
    sniff(data[:64])
    with contextlib.suppress(MediaError):
        load(data, limits=LIMITS)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
