"""Review decisions and the Art. 6 label: confirm labels "3", overturn withdraws a detector's "3"."""

from __future__ import annotations

import pytest

from synthguard.store import AuditContext, Store

MOD = AuditContext(actor="mod-1", role="moderator")


def _recorded(store: Store, decision: str, label: str | None, sha: str) -> str:
    report = {
        "sha256": sha,
        "media": {"kind": "image", "format": "png", "size_bytes": 10},
        "evidence": [],
        "verdict": {"decision": decision, "aigc_label": label, "score": 0.7, "reasons": []},
    }
    job = store.record_scan(report, name="x.png")
    assert job is not None
    return job.id


@pytest.mark.parametrize(
    ("decision", "label", "action", "expected"),
    [
        ("review", None, "confirm", "3"),
        ("review", None, "overturn", None),
        ("label", "3", "overturn", None),
        ("label", "1", "overturn", "1"),  # the file's own implicit label is a fact, not a suspicion
        ("review", None, "escalate", None),
    ],
)
def test_review_sets_the_label(
    store: Store, decision: str, label: str | None, action: str, expected: str | None
) -> None:
    job_id = _recorded(store, decision, label, f"{abs(hash((decision, label, action))):064d}"[-64:])
    after = store.decide(job_id, action, "checked by a person", MOD)
    assert after.aigc_label == expected
    event = [e for e in store.list_audit(limit=20) if e.action == "review.decision"][-1]
    assert event.details["aigc_label"] == expected
