"""GB 45438-2025 implicit labels: the ``AIGC`` JSON, its validation, integrity and containers.

The standard (Annex E) asks for exactly one metadata field whose name contains ``AIGC`` and whose
value is the JSON ``{"AIGC":{"Label":"1","ContentProducer":...,"ReservedCode2":...}}``. Real files
differ: Doubao and Jimeng write the inner object only, inside an XMP element ``TC260:AIGC``; others
write ``Label: "AIGC"`` or two labels. So this module parses leniently, reports *every* violation,
and trusts the ``Label`` only when nothing that makes it ambiguous was found.

Containers (where the field is read and written; placement "as practised", configurable by key):

============  ==================================================
JPEG/PNG/WebP XMP ``TC260:AIGC`` (namespace ``http://www.tc260.org.cn/ns/AIGC/1.0/``)
HEIC          read only (XMP packet found in the file)
MP3, WAV      ID3v2 ``TXXX:AIGC`` (WAV: ``id3 `` chunk; RIFF ``AIGC`` chunks also read)
MP4/MOV/M4A   freeform atom ``----:cn.org.tc260:AIGC``
FLAC, OGG     Vorbis comment ``AIGC=...``
============  ==================================================

Example:
    >>> label = AigcLabel(label="1", content_producer="001191110102MACQD9K64010000", produce_id="abc")
    >>> parse_value(label.to_json()).label.label
    '1'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..errors import ConfigError, ProvenanceError

__all__ = [
    "ALLOWED_CHARS",
    "FIELDS",
    "MAX_VALUE_CHARS",
    "AigcLabel",
    "IntegrityKey",
    "LabelField",
    "LabelReading",
    "ParsedLabel",
    "Problem",
    "canonical_bytes",
    "check_chars",
    "parse_value",
    "propagate",
    "read_label",
    "sign_label",
    "verify_label",
    "write_label",
]

#: The seven elements, in the standard's order: (JSON key, attribute name).
FIELDS: tuple[tuple[str, str], ...] = (
    ("Label", "label"),
    ("ContentProducer", "content_producer"),
    ("ProduceID", "produce_id"),
    ("ReservedCode1", "reserved_code1"),
    ("ContentPropagator", "content_propagator"),
    ("PropagateID", "propagate_id"),
    ("ReservedCode2", "reserved_code2"),
)
_REQUIRED = ("Label", "ContentProducer", "ProduceID")
_OPTIONAL = ("ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2")
VALID_LABELS = ("1", "2", "3")

#: Characters allowed in values: printable ASCII without space, ``"`` and ``\\``.
ALLOWED_CHARS = frozenset([chr(0x21), *map(chr, range(0x23, 0x5C)), *map(chr, range(0x5D, 0x7F))])

#: A label value longer than this is not parsed (bounded work on hostile metadata).
MAX_VALUE_CHARS = 16_384

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One violation of GB 45438 found in a label.

    ``error`` problems make the ``Label`` untrustworthy (it is reported, never used);
    ``warning`` problems are violations a platform should log but that leave the Label readable.
    """

    code: str
    message: str
    field: str = ""
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field, "severity": self.severity}


@dataclass(frozen=True, slots=True)
class AigcLabel:
    """The seven GB 45438 elements. All values are strings; empty means "not given"."""

    label: str
    content_producer: str = ""
    produce_id: str = ""
    reserved_code1: str = ""
    content_propagator: str = ""
    propagate_id: str = ""
    reserved_code2: str = ""

    def to_dict(self) -> dict[str, str]:
        """The inner JSON object, keys in the standard's order."""
        return {key: getattr(self, attr) for key, attr in FIELDS}

    def to_json(self) -> str:
        """The field value as the standard writes it: ``{"AIGC":{...}}``, compact, ASCII."""
        return json.dumps({"AIGC": self.to_dict()}, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AigcLabel:
        return cls(**{attr: str(d.get(key, "")) for key, attr in FIELDS})

    def problems(self) -> tuple[Problem, ...]:
        """Violations in this label's own values (Label value, characters)."""
        out: list[Problem] = []
        if self.label not in VALID_LABELS:
            out.append(
                Problem("bad_label", f"Label must be '1', '2' or '3', got {self.label[:40]!r}", "Label")
            )
        for key, attr in FIELDS:
            out.extend(check_chars(key, getattr(self, attr)))
        return tuple(out)


def check_chars(key: str, value: str) -> list[Problem]:
    """Report characters outside 0x21, 0x23-0x5B, 0x5D-0x7E in one value."""
    bad = sorted({c for c in value if c not in ALLOWED_CHARS})
    if not bad:
        return []
    shown = ", ".join(f"U+{ord(c):04X}" for c in bad[:8])
    severity: Severity = "error" if key == "Label" else "warning"
    return [Problem("bad_chars", f"{key} holds characters outside the allowed set: {shown}", key, severity)]


@dataclass(frozen=True, slots=True)
class ParsedLabel:
    """The result of parsing one field value.

    ``label`` is None when the value could not be read at all (not JSON, not an object).
    ``valid`` is True when no ``error`` problem was found: only then may the Label be trusted.
    """

    label: AigcLabel | None
    problems: tuple[Problem, ...] = ()
    raw: str = ""

    @property
    def valid(self) -> bool:
        return self.label is not None and not any(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label.to_dict() if self.label else None,
            "valid": self.valid,
            "problems": [p.to_dict() for p in self.problems],
            "raw": self.raw[:1024],
        }


def parse_value(value: str | bytes) -> ParsedLabel:
    """Parse and validate one ``AIGC`` field value. Never raises; every violation is a Problem.

    Accepts the standard's ``{"AIGC":{...}}`` and the bare inner object that Doubao and Jimeng
    write (reported as a warning).
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    raw = value
    if len(value) > MAX_VALUE_CHARS:
        return ParsedLabel(
            None,
            (
                Problem(
                    "too_large",
                    f"label value has {len(value)} characters (more than {MAX_VALUE_CHARS}); not parsed",
                ),
            ),
            raw[:1024],
        )
    value = value.strip().lstrip("\ufeff")
    try:
        data = json.loads(value)
    except (ValueError, RecursionError) as exc:
        return ParsedLabel(None, (Problem("invalid_json", f"label value is not JSON: {exc}"),), raw)
    problems: list[Problem] = []
    if isinstance(data, dict) and "AIGC" in data:
        extra = [k for k in data if k != "AIGC"]
        if extra:
            problems.append(
                Problem(
                    "unknown_key", f"keys beside AIGC: {', '.join(map(str, extra[:8]))}", severity="warning"
                )
            )
        data = data["AIGC"]
    elif isinstance(data, dict):
        problems.append(
            Problem("no_aigc_wrapper", 'value is the inner object, not {"AIGC":{...}}', severity="warning")
        )
    if not isinstance(data, dict):
        problems.append(Problem("not_object", f"AIGC value must be a JSON object, got {type(data).__name__}"))
        return ParsedLabel(None, tuple(problems), raw)
    known = {key for key, _ in FIELDS}
    for key in data:
        if key not in known:
            problems.append(
                Problem("unknown_key", f"unknown element {str(key)[:40]!r}", str(key)[:40], "warning")
            )
    values: dict[str, str] = {}
    for key, _attr in FIELDS:
        if key not in data:
            severity: Severity = "error" if key == "Label" else "warning"
            if key in _REQUIRED or key in _OPTIONAL[1:3]:
                problems.append(Problem("missing_element", f"element {key} is missing", key, severity))
            continue
        item = data[key]
        if not isinstance(item, str):
            problems.append(
                Problem(
                    "not_string",
                    f"{key} must be a string, got {type(item).__name__}",
                    key,
                    "error" if key == "Label" else "warning",
                )
            )
            item = json.dumps(item) if not isinstance(item, int | float) else str(item)
        values[key] = item
    label = AigcLabel.from_dict(values)
    problems.extend(label.problems())
    if "Label" not in values:  # bad_label would repeat missing_element
        problems = [p for p in problems if p.code != "bad_label"]
    return ParsedLabel(label, tuple(problems), raw)


# --------------------------------------------------------------------------- integrity


@dataclass(frozen=True)
class IntegrityKey:
    """The platform's key for ReservedCode2: an HMAC-SHA256 secret or an Ed25519 private key.

    Build with :meth:`hmac` / :meth:`ed25519` or from configuration with :meth:`from_config`.
    ``key_id`` is written with the value so keys can rotate.
    """

    kind: Literal["hmac", "ed25519"]
    secret: bytes = field(repr=False)
    key_id: str = "k1"

    def __post_init__(self) -> None:
        if self.kind not in ("hmac", "ed25519"):
            raise ConfigError(f"integrity key kind must be 'hmac' or 'ed25519', got {self.kind!r}")
        if self.kind == "hmac" and len(self.secret) < 16:
            raise ConfigError("an HMAC label key needs at least 16 bytes")
        if self.kind == "ed25519" and len(self.secret) != 32:
            raise ConfigError("an Ed25519 label key is a 32-byte raw private key")
        if not self.key_id or any(c not in ALLOWED_CHARS or c == ":" for c in self.key_id):
            raise ConfigError(f"key_id {self.key_id!r} must be printable ASCII without ':', space, quote, \\")

    @classmethod
    def hmac(cls, secret: bytes | str, key_id: str = "k1") -> IntegrityKey:
        return cls("hmac", secret.encode() if isinstance(secret, str) else secret, key_id)

    @classmethod
    def ed25519(cls, private_key: bytes, key_id: str = "k1") -> IntegrityKey:
        return cls("ed25519", private_key, key_id)

    @classmethod
    def from_config(cls, spec: str) -> IntegrityKey:
        """Parse ``hmac:<hex or text>[@key_id]`` or ``ed25519:<64 hex chars>[@key_id]``.

        Raises:
            ConfigError: the spec is malformed.
        """
        kind, _, rest = spec.partition(":")
        material, _, key_id = rest.rpartition("@") if "@" in rest else (rest, "", "k1")
        if kind == "hmac":
            try:
                secret = bytes.fromhex(material)
            except ValueError:
                secret = material.encode()
            return cls.hmac(secret, key_id or "k1")
        if kind == "ed25519":
            try:
                return cls.ed25519(bytes.fromhex(material), key_id or "k1")
            except ValueError as exc:
                raise ConfigError("ed25519 key must be 64 hex characters") from exc
        raise ConfigError(f"label key spec must start with 'hmac:' or 'ed25519:', got {spec[:12]!r}...")

    def public_bytes(self) -> bytes:
        """The Ed25519 public key (raw 32 bytes); for HMAC keys the secret itself is needed to verify."""
        if self.kind != "ed25519":
            raise ConfigError("HMAC keys have no public part")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return (
            Ed25519PrivateKey.from_private_bytes(self.secret)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )


def canonical_bytes(label: AigcLabel) -> bytes:
    """What ReservedCode2 protects: every element but ReservedCode2, compact JSON, fixed order."""
    d = label.to_dict()
    d.pop("ReservedCode2")
    return json.dumps(d, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_label(label: AigcLabel, key: IntegrityKey) -> AigcLabel:
    """Return the label with ReservedCode2 = ``<alg>:<key_id>:<base64url value>`` over its metadata.

    The value uses only allowed characters (``A-Za-z0-9-_:``).
    """
    msg = canonical_bytes(label)
    if key.kind == "hmac":
        value = f"HS256:{key.key_id}:{_b64(hmac.new(key.secret, msg, hashlib.sha256).digest())}"
    else:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        sig = Ed25519PrivateKey.from_private_bytes(key.secret).sign(msg)
        value = f"ED25519:{key.key_id}:{_b64(sig)}"
    return replace(label, reserved_code2=value)


def verify_label(label: AigcLabel, key: IntegrityKey | bytes) -> bool:
    """Check ReservedCode2 against the label's metadata.

    Args:
        key: the platform's :class:`IntegrityKey`, or a raw 32-byte Ed25519 public key.

    Returns:
        True only when the value was made by this key over exactly these elements.
    """
    parts = label.reserved_code2.split(":")
    if len(parts) != 3:
        return False
    alg, key_id, value = parts
    try:
        sig = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return False
    msg = canonical_bytes(label)
    if isinstance(key, IntegrityKey) and key.kind == "hmac":
        if alg != "HS256" or key_id != key.key_id:
            return False
        return hmac.compare_digest(sig, hmac.new(key.secret, msg, hashlib.sha256).digest())
    if alg != "ED25519":
        return False
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(key, IntegrityKey):
        if key_id != key.key_id:
            return False
        pub = key.public_bytes()
    else:
        pub = key
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
    except (InvalidSignature, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- containers


@dataclass(frozen=True, slots=True)
class LabelField:
    """One metadata field whose name contains ``AIGC``: where it was, and what it said."""

    location: str
    name: str
    parsed: ParsedLabel

    def to_dict(self) -> dict[str, Any]:
        return {"location": self.location, "name": self.name, **self.parsed.to_dict()}


@dataclass(frozen=True, slots=True)
class LabelReading:
    """Every AIGC field of one file, and the verdict on them.

    ``label`` is the trusted label (None when there is none or it is not trustworthy);
    ``problems`` holds the file-level ones (several labels, unreadable metadata) plus those of each
    field.
    """

    container: str
    fields: tuple[LabelField, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.fields)

    @property
    def label(self) -> AigcLabel | None:
        if len(self.fields) != 1 or any(p.severity == "error" for p in self.problems):
            return None
        return self.fields[0].parsed.label

    @property
    def source(self) -> str:
        return f"AIGC {self.fields[0].location}" if self.fields else ""

    def to_dict(self) -> dict[str, Any]:
        label = self.label
        return {
            "container": self.container,
            "present": self.present,
            "valid": label is not None,
            "label": label.to_dict() if label else None,
            "fields": [f.to_dict() for f in self.fields],
            "problems": [p.to_dict() for p in self.problems],
        }


def _reading(
    container: str, found: Sequence[tuple[str, str, str]], problems: Sequence[Problem] = ()
) -> LabelReading:
    fields = tuple(LabelField(loc, name, parse_value(value)) for loc, name, value in found)
    all_problems = list(problems)
    if len(fields) > 1:
        names = ", ".join(f"{f.location}:{f.name}" for f in fields[:8])
        all_problems.append(
            Problem(
                "multiple_labels",
                f"{len(fields)} AIGC fields found ({names}); the standard allows exactly one",
            )
        )
    for f in fields:
        all_problems.extend(f.parsed.problems)
    return LabelReading(container, fields, tuple(all_problems))


def read_label(data: bytes, name: str = "") -> LabelReading:
    """Read and validate every GB 45438 field in a file's bytes. Never raises.

    Unreadable or damaged metadata is reported as a ``metadata_unreadable`` problem.
    """
    from . import _containers

    fmt = _containers.container_of(data, name)
    try:
        found, problems = _containers.find_aigc(data, fmt)
    except Exception as exc:  # damaged metadata in any library: report, never crash the scan
        return LabelReading(
            fmt,
            (),
            (Problem("metadata_unreadable", f"{type(exc).__name__}: {exc}"[:300], severity="warning"),),
        )
    return _reading(fmt, found, problems)


def write_label(data: bytes, label: AigcLabel, name: str = "") -> bytes:
    """Return the file with exactly one AIGC field holding ``label`` (all others removed).

    Pixels and samples are untouched: only metadata bytes change.

    The written label is read back before returning.

    Raises:
        ProvenanceError: the container is not writable here (e.g. HEIC) or its structure is damaged
            (including a write that would not read back).
    """
    bad = [p for p in label.problems() if p.severity == "error" or p.code == "bad_chars"]
    if bad:
        raise ProvenanceError("refusing to write an invalid label: " + "; ".join(p.message for p in bad))
    from . import _containers

    fmt = _containers.container_of(data, name)
    try:
        out = _containers.write_aigc(data, fmt, label.to_json())
    except ProvenanceError:
        raise
    except Exception as exc:
        raise ProvenanceError(f"cannot write the AIGC label into this {fmt} file: {exc}") from exc
    # Damaged metadata can swallow a write silently (found by fuzzing): never report success for
    # a label that readers will not find.
    reading = read_label(out, name)
    if reading.label != label or len(reading.fields) != 1:
        raise ProvenanceError(
            f"the AIGC label written into this {fmt} file does not read back "
            "(its metadata structure is damaged); repair or re-encode the file first"
        )
    return out


def propagate(
    data: bytes,
    *,
    propagator: str,
    propagate_id: str,
    key: IntegrityKey | None = None,
    label: str | None = None,
    producer: str = "",
    produce_id: str = "",
    name: str = "",
    override: bool = False,
) -> tuple[bytes, AigcLabel]:
    """Write the platform's propagation fields, keeping the producer's (Art. 6, GB 45438 E).

    The producer's ContentProducer, ProduceID and ReservedCode1 are kept when the file carries a
    readable label (even a malformed one, as long as its values are clean). The Label is the
    more certain of the valid one found and ``label`` (the platform's Art. 6 decision; "1" is
    more certain than "2", "2" than "3"), so a producer's "1" is never weakened; ``override``
    writes ``label`` as given. ReservedCode2 is signed with ``key`` when given.

    Raises:
        ProvenanceError: no Label is known (none in the file, none given) or the file is not writable.
    """
    reading = read_label(data, name)
    old = reading.fields[0].parsed.label if reading.fields else None
    keep = old if old is not None and not any(p.code == "bad_chars" for p in old.problems()) else None
    found = reading.label.label if reading.label else None
    candidates = [x for x in (label, None if override else found) if x is not None]
    final_label = min(candidates) if candidates else None  # "1" < "2" < "3": the most certain wins
    if final_label is None:
        raise ProvenanceError("no valid Label in the file and none given: pass label='1'|'2'|'3'")
    new = AigcLabel(
        label=final_label,
        content_producer=producer or (keep.content_producer if keep else ""),
        produce_id=produce_id or (keep.produce_id if keep else ""),
        reserved_code1=keep.reserved_code1 if keep else "",
        content_propagator=propagator,
        propagate_id=propagate_id,
    )
    if key is not None:
        new = sign_label(new, key)
    return write_label(data, new, name), new
