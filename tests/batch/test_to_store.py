"""Batch results recorded in the service store: jobs, review queue, audit; idempotent."""

from __future__ import annotations

from pathlib import Path

from PIL import Image as PILImage

from mediafactory import audio_bytes, image_bytes
from synthguard.batch import record_results, run_batch
from synthguard.store import Store, StoreConfig


def test_results_become_jobs_once(tmp_path: Path) -> None:
    src = tmp_path / "catalogue"
    src.mkdir()
    (src / "grey.png").write_bytes(image_bytes("PNG", (32, 32)))
    PILImage.new("RGB", (32, 32), (200, 60, 60)).save(src / "reddish.png")  # saturated: review
    (src / "voice.wav").write_bytes(audio_bytes(seconds=1.0))
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    out = tmp_path / "results"
    run_batch(src, out, detectors=["test.image_saturation", "test.audio_energy"], workers=0)

    store = Store(StoreConfig(data_dir=tmp_path / "svc"))
    try:
        first = record_results(out, store)
        assert (first.recorded, first.already, first.errors) == (3, 0, 1)
        again = record_results(out, store)
        assert (again.recorded, again.already) == (0, 3)
        jobs = store.list_jobs(limit=50)
        assert len(jobs) == 3 and all(j.status == "done" for j in jobs)
        assert {j.context["source"] for j in jobs} == {"batch"}
        assert any(j.review_status == "pending" for j in jobs)  # the reddish image waits for review
        job = next(j for j in jobs if j.media_name == "voice.wav")
        assert store.media(job.id) == (src / "voice.wav").read_bytes()
        assert store.verify_audit_chain()[0]
        assert sum(1 for e in store.list_audit(limit=100) if e.action == "scan.recorded") == 3
    finally:
        store.close()


def test_cli_to_store(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from synthguard.cli import app

    src = tmp_path / "c"
    src.mkdir()
    (src / "a.png").write_bytes(image_bytes("PNG", (32, 32)))
    args = [
        "batch",
        str(src),
        "--out",
        str(tmp_path / "r"),
        "-d",
        "test.constant",
        "--workers",
        "0",
        "--to-store",
        "--data-dir",
        str(tmp_path / "svc"),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"recorded": 1' in result.stdout
