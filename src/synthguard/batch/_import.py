"""Record a batch run's results in the service store, so they reach the review queue and reports."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import MediaError
from ._sources import read_item
from ._store import read_results

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["ImportSummary", "record_results"]


@dataclass(frozen=True)
class ImportSummary:
    """How many result rows became jobs, were already recorded, or were skipped as error rows."""

    recorded: int
    already: int
    errors: int


def record_results(
    out: str | os.PathLike[str], store: Store, *, keep_media: bool = True, max_bytes: int = 2 << 30
) -> ImportSummary:
    """Record every successful row of a RESULTS folder as a finished job in ``store``.

    Idempotent: a row (path + detector versions + policy version) already recorded is skipped, so
    re-running after a resumed batch records only what is new. With ``keep_media`` the item's bytes
    are copied into the store's blobs (the dashboard can show them) when they still match the row's
    sha256; otherwise the job's media reads as purged.

    Example:
        >>> from synthguard.store import Store, StoreConfig
        >>> record_results("var/batch/results", Store(StoreConfig()))  # doctest: +SKIP
        ImportSummary(recorded=120, already=0, errors=3)
    """
    from ..store import AuditContext

    ctx = AuditContext(actor="batch", role="system")
    table = read_results(out).to_pylist()
    recorded = already = errors = 0
    for row in table:
        if row.get("error_type") or not row.get("report_json"):
            errors += 1
            continue
        report = json.loads(row["report_json"])
        data = None
        if keep_media:
            try:
                data = read_item(row["path"], max_bytes)
            except MediaError:
                data = None
            if data is not None and len(data) != row.get("size_bytes"):
                data = None  # the file changed since the scan: keep the report, not other bytes
        key = f"{row['path']}|{row['detector_versions']}|{row['policy_version']}"
        try:
            job = store.record_scan(
                report,
                name=os.path.basename(str(row["path"])) or str(row["path"]),
                data=data,
                ctx=ctx,
                context={"source": "batch", "path": row["path"]},
                dedupe_key=key,
            )
        except ValueError:  # bytes no longer match the report: record without them
            job = store.record_scan(
                report,
                name=os.path.basename(str(row["path"])),
                ctx=ctx,
                context={"source": "batch", "path": row["path"]},
                dedupe_key=key,
            )
        if job is None:
            already += 1
        else:
            recorded += 1
    return ImportSummary(recorded, already, errors)
