"""Provenance: what a file says about itself, and what a platform writes back.

* :mod:`~synthguard.provenance.aigc`: GB 45438 implicit labels (read, validate, write, sign).
* :mod:`~synthguard.provenance.c2pa`: C2PA manifests (read, validate, sign as propagator).
* :mod:`~synthguard.provenance.iptc`: IPTC DigitalSourceType and the crosswalk to GB 45438.
* :mod:`~synthguard.provenance.visible`: explicit labels on images, video and audio, and a checker.
* :mod:`~synthguard.provenance.watermark`: invisible keyed watermarks (image DCT-QIM, audio patchwork).
* :mod:`~synthguard.provenance.traces`: Label 3 traces in decoded media (audio prompt, watermark).

:func:`inspect_bytes` is what the scan pipeline calls on every upload.

Example:
    >>> signals, report = inspect_bytes(b"\\x89PNG\\r\\n\\x1a\\n", "empty.png")
    >>> signals.implicit_label is None, report["implicit_label"]
    (True, None)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..policy import Signals
from . import _containers
from .aigc import (
    AigcLabel,
    IntegrityKey,
    LabelReading,
    Problem,
    parse_value,
    propagate,
    read_label,
    write_label,
)
from .c2pa import C2paReading, C2paSigner, read_c2pa, sign_c2pa
from .iptc import IptcReading, label_for_source_type, read_iptc, source_type_for_label, write_iptc
from .traces import Traces, find_traces

__all__ = [
    "AigcLabel",
    "C2paReading",
    "C2paSigner",
    "IntegrityKey",
    "IptcReading",
    "LabelReading",
    "Problem",
    "ProvenanceReport",
    "Traces",
    "find_traces",
    "inspect",
    "inspect_bytes",
    "label_for_source_type",
    "parse_value",
    "propagate",
    "read_c2pa",
    "read_iptc",
    "read_label",
    "sign_c2pa",
    "source_type_for_label",
    "write_iptc",
    "write_label",
]


@dataclass(frozen=True, slots=True)
class ProvenanceReport:
    """Everything a file says about itself, and the implicit label the crosswalk derives from it.

    ``implicit_label`` follows this order: a valid AIGC label "1"; else C2PA (active manifest or an
    ingredient) declaring trainedAlgorithmicMedia / compositeWithTrainedAlgorithmicMedia -> "1";
    else IPTC DigitalSourceType likewise -> "1"; else a valid AIGC label "2" or "3". A malformed
    AIGC label never sets it; its problems are reported.
    """

    container: str
    aigc: LabelReading
    c2pa: C2paReading
    iptc: IptcReading
    implicit_label: str | None = None
    implicit_label_source: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def signals(self) -> Signals:
        return Signals(implicit_label=self.implicit_label, implicit_label_source=self.implicit_label_source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "implicit_label": self.implicit_label,
            "implicit_label_source": self.implicit_label_source,
            "aigc": self.aigc.to_dict(),
            "c2pa": self.c2pa.to_dict(),
            "iptc": self.iptc.to_dict(),
            "notes": list(self.notes),
            "seconds": round(self.seconds, 6),
        }


def _decide(aigc: LabelReading, c2pa: C2paReading, iptc: IptcReading) -> tuple[str | None, str, list[str]]:
    notes: list[str] = []
    trusted = aigc.label
    if aigc.present and trusted is None:
        notes.append("AIGC label present but malformed: reported, not trusted")
    if trusted is not None and trusted.label == "1":
        return "1", aigc.source, notes
    if c2pa.label == "1":
        where = (
            "active manifest"
            if any(label_for_source_type(u) for u in c2pa.digital_source_types)
            else "ingredient manifest"
        )
        return "1", f"C2PA {where} ({c2pa.validation_state or 'unvalidated'})", notes
    if iptc.label == "1":
        return "1", "IPTC XMP DigitalSourceType", notes
    if trusted is not None:
        return trusted.label, aigc.source, notes
    return None, "", notes


def inspect_bytes(data: bytes, name: str = "") -> tuple[Signals, dict[str, Any] | None]:
    """Read the file's own claims as policy signals plus a JSON-compatible report.

    The pipeline contract: never raises for missing or damaged metadata (damage is reported in
    the dict), bounded work for huge metadata.

    Returns:
        ``(Signals(implicit_label=..., implicit_label_source=...), report dict)``.
    """
    report = inspect(data, name)
    return report.signals(), report.to_dict()


def inspect(data: bytes, name: str = "", *, trust_anchors: str | None = None) -> ProvenanceReport:
    """Like :func:`inspect_bytes`, returning the typed :class:`ProvenanceReport`."""
    t0 = time.perf_counter()
    try:
        container = _containers.container_of(data, name)
    except Exception:  # sniffing never fails on bytes, but the contract is "never raise"
        container = "unknown"
    aigc = read_label(data, name)
    try:
        c2pa = read_c2pa(data, name, trust_anchors=trust_anchors)
    except Exception as exc:
        c2pa = C2paReading(error=f"{type(exc).__name__}: {exc}"[:300])
    iptc = read_iptc(data, name)
    label, source, notes = _decide(aigc, c2pa, iptc)
    return ProvenanceReport(
        container, aigc, c2pa, iptc, label, source, time.perf_counter() - t0, tuple(notes)
    )
