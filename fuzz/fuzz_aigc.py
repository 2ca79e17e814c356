"""Fuzz the GB 45438 ``AIGC`` field parser: any value gives a ParsedLabel (problems listed), never an error.

Checked on every input: ``parse_value`` returns (bytes and text input alike), its ``to_dict()`` is JSON,
a label it accepts round-trips through ``AigcLabel.to_json``, and ``problems()`` never raises.

    python fuzz/fuzz_aigc.py -max_total_time=3600 var/fuzz/aigc fuzz/corpus/aigc
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports(include=["synthguard"]):
    from synthguard.provenance.aigc import MAX_VALUE_CHARS, AigcLabel, parse_value


def test_one(data: bytes) -> None:
    parsed = parse_value(data)
    json.dumps(parsed.to_dict())
    text = data.decode("utf-8", "replace")
    again = parse_value(text)
    assert again.valid == parsed.valid, "bytes and text parse differently"
    if parsed.label is not None:
        label: AigcLabel = parsed.label
        label.problems()
        encoded = label.to_json()
        if len(encoded) <= MAX_VALUE_CHARS:  # ASCII escaping may grow a value past the size limit
            assert parse_value(encoded).label == label, "a parsed label does not round-trip"


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
