"""One result row per item, built the same way by every engine (so their outputs compare equal).

A row holds the item's path and sha256, what it was scanned with (detector and policy versions),
the per-detector scores, the verdict, the error when the item could not be scanned, and the full
``ScanReport`` as JSON. Rows are plain dicts only inside this package; readers get a
``pyarrow.Table`` with :data:`RESULT_SCHEMA`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from .._version import __version__
from ..errors import MediaError
from ..pipeline import Scanner
from ._sources import read_item

__all__ = ["RESULT_SCHEMA", "ROW_KEY", "ItemScanner", "ScanConfig", "rows_to_table"]

#: Columns that identify a result: one row per item and scan configuration (newest wins on read).
ROW_KEY = ("path", "detector_versions", "policy_version")

SCORE_TYPE = pa.struct(
    [
        ("detector", pa.string()),
        ("version", pa.string()),
        ("modality", pa.string()),
        ("score", pa.float64()),
        ("threshold", pa.float64()),
    ]
)

#: The Parquet schema of batch results (``schema_version`` 1).
RESULT_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("media_kind", pa.string()),
        ("media_format", pa.string()),
        ("detector_versions", pa.string()),
        ("policy_version", pa.string()),
        ("scores", pa.list_(SCORE_TYPE)),
        ("verdict_score", pa.float64()),
        ("decision", pa.string()),
        ("aigc_label", pa.string()),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
        ("report_json", pa.string()),
        ("synthguard_version", pa.string()),
        ("scanned_at", pa.string()),
        ("seconds", pa.float64()),
    ],
    metadata={"synthguard.batch.schema_version": "1"},
)


@dataclass(frozen=True)
class ScanConfig:
    """What a batch scans with; picklable, so each worker or actor builds its own Scanner.

    Attributes:
        detectors: names or glob patterns (None: every production detector).
        detector_options: keyword arguments per detector for ``create_detector``.
        read_provenance: read implicit labels / C2PA / IPTC from each file.
    """

    detectors: tuple[str, ...] | None = None
    detector_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    read_provenance: bool = True

    @classmethod
    def create(
        cls,
        detectors: Sequence[str] | None = None,
        detector_options: dict[str, dict[str, Any]] | None = None,
        read_provenance: bool = True,
    ) -> ScanConfig:
        opts = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in (detector_options or {}).items()))
        return cls(tuple(detectors) if detectors else None, opts, read_provenance)

    def build(self) -> Scanner:
        """The Scanner for this configuration (detectors are created lazily, on first use)."""
        options = {k: dict(v) for k, v in self.detector_options}
        return Scanner(self.detectors, detector_options=options, read_provenance=self.read_provenance)


def detector_versions(scanner: Scanner) -> str:
    """``name=version`` of every requested detector, sorted: part of the resume key."""
    cards = scanner._cards  # the Scanner's resolved cards; reading them builds no model
    return ",".join(f"{n}={cards[n].version}" for n in sorted(scanner.names))


class ItemScanner:
    """Turns one item (path, optionally its bytes) into one result row, or None when already done.

    Built once per worker process or Ray actor; the Scanner inside keeps its detectors loaded.
    """

    def __init__(self, config: ScanConfig) -> None:
        self.scanner = config.build()
        self.detector_versions = detector_versions(self.scanner)
        self.policy_version = self.scanner.policy.version

    def process(
        self, path: str, data: bytes | None = None, done_sha256: str | None = None
    ) -> dict[str, Any] | None:
        """Scan one item; a bad item gives an error row, never an exception.

        Args:
            path: canonical item path (the ``path`` column).
            data: the item's bytes when the engine already read them (Ray), else read here.
            done_sha256: sha256 recorded for this path and configuration by an earlier run; when
                the content still hashes to it the item is skipped (returns None).
        """
        t0 = time.perf_counter()
        sha: str | None = None
        size: int | None = None
        try:
            if data is None:
                data = read_item(path, self.scanner.limits.max_bytes)
            size = len(data)
            sha = hashlib.sha256(data).hexdigest()
            if done_sha256 is not None and sha == done_sha256:
                return None
            report = self.scanner.scan(data, name=path)
        except Exception as exc:  # MediaError expected; anything else is still one item's problem
            return self._error_row(path, sha, size, exc, time.perf_counter() - t0)
        return {
            "path": path,
            "sha256": report.sha256,
            "size_bytes": size,
            "media_kind": report.media.kind,
            "media_format": report.media.format,
            "detector_versions": self.detector_versions,
            "policy_version": self.policy_version,
            "scores": [
                {
                    "detector": e.detector,
                    "version": e.detector_version,
                    "modality": e.modality,
                    "score": e.score,
                    "threshold": e.threshold,
                }
                for e in report.evidence
            ],
            "verdict_score": report.verdict.score,
            "decision": report.verdict.decision,
            "aigc_label": report.verdict.aigc_label,
            "error_type": None,
            "error_message": None,
            "report_json": report.to_json(),
            "synthguard_version": __version__,
            "scanned_at": _now(),
            "seconds": time.perf_counter() - t0,
        }

    def _error_row(
        self, path: str, sha: str | None, size: int | None, exc: BaseException, seconds: float
    ) -> dict[str, Any]:
        return error_row(path, sha, size, exc, self.detector_versions, self.policy_version, seconds)


def error_row(
    path: str,
    sha: str | None,
    size: int | None,
    exc: BaseException | tuple[str, str],
    detector_versions: str,
    policy_version: str,
    seconds: float = 0.0,
) -> dict[str, Any]:
    """The row of an item that produced no report (``decision`` is null, ``error_*`` say why).

    ``exc`` is the exception, or ``(type name, message)`` for failures seen from outside the
    worker (a worker process that died on the item).
    """
    etype, emsg = exc if isinstance(exc, tuple) else (type(exc).__name__, str(exc))
    return {
        "path": path,
        "sha256": sha,
        "size_bytes": size,
        "media_kind": None,
        "media_format": None,
        "detector_versions": detector_versions,
        "policy_version": policy_version,
        "scores": [],
        "verdict_score": None,
        "decision": None,
        "aigc_label": None,
        "error_type": etype,
        "error_message": emsg,
        "report_json": None,
        "synthguard_version": __version__,
        "scanned_at": _now(),
        "seconds": seconds,
    }


def is_media_error(error_type: str | None) -> bool:
    """True when an error row's type is a MediaError (the item itself is bad; retrying won't help)."""
    if not error_type:
        return False
    from .. import errors

    cls = getattr(errors, error_type, None)
    return isinstance(cls, type) and issubclass(cls, MediaError)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def rows_to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows as a table with :data:`RESULT_SCHEMA` (an empty list gives an empty table)."""
    return pa.Table.from_pylist(list(rows), schema=RESULT_SCHEMA)
