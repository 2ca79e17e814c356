"""GB 45438 AIGC JSON: parsing, every validation rule, integrity (ReservedCode2)."""

from __future__ import annotations

import json

import pytest

from synthguard.errors import ConfigError
from synthguard.provenance.aigc import (
    MAX_VALUE_CHARS,
    AigcLabel,
    IntegrityKey,
    canonical_bytes,
    parse_value,
    sign_label,
    verify_label,
)

GOOD = {
    "Label": "1",
    "ContentProducer": "P001",
    "ProduceID": "abc-1",
    "ReservedCode1": "",
    "ContentPropagator": "",
    "PropagateID": "",
    "ReservedCode2": "",
}


def _wrap(inner: object) -> str:
    return json.dumps({"AIGC": inner})


@pytest.mark.parametrize(
    ("value", "valid", "label", "codes"),
    [
        (_wrap(GOOD), True, "1", set()),
        (_wrap({**GOOD, "Label": "2"}), True, "2", set()),
        (_wrap({**GOOD, "Label": "3"}), True, "3", set()),
        (json.dumps(GOOD), True, "1", {"no_aigc_wrapper"}),  # the Doubao / Jimeng shape
        (_wrap({**GOOD, "Label": "AIGC"}), False, "AIGC", {"bad_label"}),
        (_wrap({**GOOD, "Label": "4"}), False, "4", {"bad_label"}),
        (_wrap({**GOOD, "Label": ""}), False, "", {"bad_label"}),
        (_wrap({**GOOD, "Label": 1}), False, "1", {"not_string"}),
        (_wrap({k: v for k, v in GOOD.items() if k != "Label"}), False, "", {"missing_element"}),
        (_wrap({k: v for k, v in GOOD.items() if k != "ProduceID"}), True, "1", {"missing_element"}),
        (_wrap({k: v for k, v in GOOD.items() if k != "ReservedCode2"}), True, "1", set()),
        (_wrap({**GOOD, "ContentProducer": "字节跳动"}), True, "1", {"bad_chars"}),
        (_wrap({**GOOD, "ProduceID": "a b"}), True, "1", {"bad_chars"}),
        (_wrap({**GOOD, "ProduceID": 'a"b'}), True, "1", {"bad_chars"}),
        (_wrap({**GOOD, "ProduceID": "a\\b"}), True, "1", {"bad_chars"}),
        (_wrap({**GOOD, "Label": " 1"}), False, " 1", {"bad_label", "bad_chars"}),
        (_wrap({**GOOD, "Extra": "x"}), True, "1", {"unknown_key"}),
        ("not json", False, None, {"invalid_json"}),
        ("[1, 2]", False, None, {"not_object"}),
        (_wrap("1"), False, None, {"not_object"}),
        ("", False, None, {"invalid_json"}),
        ("x" * (MAX_VALUE_CHARS + 1), False, None, {"too_large"}),
        ("[" * 100_000, False, None, {"too_large"}),
    ],
)
def test_parse_value(value: str, valid: bool, label: str | None, codes: set[str]) -> None:
    parsed = parse_value(value)
    assert parsed.valid is valid
    assert (parsed.label.label if parsed.label else None) == label
    assert {p.code for p in parsed.problems} == codes
    json.dumps(parsed.to_dict())


def test_serialise_is_the_standard_shape() -> None:
    label = AigcLabel("1", "P001", "abc-1")
    assert label.to_json() == (
        '{"AIGC":{"Label":"1","ContentProducer":"P001","ProduceID":"abc-1","ReservedCode1":"",'
        '"ContentPropagator":"","PropagateID":"","ReservedCode2":""}}'
    )
    assert parse_value(label.to_json()).label == label


KEYS = [
    IntegrityKey.hmac(b"0123456789abcdef0123"),
    IntegrityKey.ed25519(bytes(range(32)), key_id="ed1"),
]


@pytest.mark.parametrize("key", KEYS, ids=["hmac", "ed25519"])
def test_sign_and_verify(key: IntegrityKey) -> None:
    label = sign_label(AigcLabel("1", "P", "I1", "", "PLATFORM", "PID-9"), key)
    assert parse_value(label.to_json()).valid  # the signature uses allowed characters only
    assert verify_label(label, key)
    if key.kind == "ed25519":
        assert verify_label(label, key.public_bytes())
    from dataclasses import replace

    for tampered in (
        replace(label, label="2"),
        replace(label, propagate_id="PID-8"),
        replace(label, reserved_code2=label.reserved_code2[:-2] + "AA"),
        replace(label, reserved_code2=""),
        replace(label, reserved_code2="HS256:k1:!!"),
    ):
        assert not verify_label(tampered, key)


def test_wrong_key_does_not_verify() -> None:
    label = sign_label(AigcLabel("1", "P", "I"), KEYS[0])
    assert not verify_label(label, IntegrityKey.hmac(b"another-secret-of-16"))
    assert not verify_label(label, KEYS[1])


def test_canonical_bytes_excludes_reservedcode2() -> None:
    a = AigcLabel("1", "P", "I", reserved_code2="x")
    b = AigcLabel("1", "P", "I", reserved_code2="y")
    assert canonical_bytes(a) == canonical_bytes(b)


@pytest.mark.parametrize(
    ("spec", "kind", "key_id", "error"),
    [
        ("hmac:0123456789abcdef0123456789abcdef", "hmac", "k1", False),
        ("hmac:a-long-enough-text-secret@k7", "hmac", "k7", False),
        ("ed25519:" + "11" * 32, "ed25519", "k1", False),
        ("ed25519:" + "11" * 32 + "@edkey", "ed25519", "edkey", False),
        ("hmac:short", "", "", True),
        ("ed25519:abcd", "", "", True),
        ("rsa:xyz", "", "", True),
        ("hmac:a-long-enough-text-secret@bad id", "", "", True),
    ],
)
def test_key_from_config(spec: str, kind: str, key_id: str, error: bool) -> None:
    if error:
        with pytest.raises(ConfigError):
            IntegrityKey.from_config(spec)
        return
    key = IntegrityKey.from_config(spec)
    assert (key.kind, key.key_id) == (kind, key_id)
