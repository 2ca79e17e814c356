"""s3:// end to end against a local S3-compatible server (moto), through s3fs like real S3.

Skipped when s3fs or moto[server] is not installed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthguard.batch import read_results, run_batch

from .conftest import DETECTORS, normalise

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # Environment, not code: worker processes inherit it, as they would real AWS credentials.
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,  # botocore >= 1.31 (MinIO / Ceph users set the same)
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield endpoint
    finally:
        server.stop()


def test_s3_prefix_to_s3_results_with_a_process_pool(s3: str, mixed_folder: Path, tmp_path: Path) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=s3, skip_instance_cache=True)
    fs.mkdir("media")
    for p in sorted(q for q in mixed_folder.rglob("*") if q.is_file()):
        fs.pipe(f"media/cat/{p.relative_to(mixed_folder).as_posix()}", p.read_bytes())

    summary = run_batch("s3://media/cat/", "s3://media/results", detectors=DETECTORS, workers=2)
    assert (summary.items, summary.scanned, summary.errors) == (15, 15, 5)
    again = run_batch("s3://media/cat", "s3://media/results", detectors=DETECTORS, workers=0)
    assert (again.scanned, again.skipped) == (0, 15)

    rows = read_results("s3://media/results").to_pylist()
    assert all(r["path"].startswith("s3://media/cat/") for r in rows)
    run_batch(mixed_folder, tmp_path, detectors=DETECTORS, workers=0)
    local = read_results(tmp_path).to_pylist()

    def without_paths(rs: list[dict[str, object]], prefix: str) -> list[dict[str, object]]:
        out = normalise(rs)
        for r in out:
            r["path"] = str(r["path"])[len(prefix) :]
            if isinstance(r["report_json"], dict):
                r["report_json"].pop("source")
            if r["error_message"]:  # messages name the item: compare their tail only
                r["error_message"] = str(r["error_message"]).split(": ", 1)[-1]
        return out

    assert without_paths(rows, "s3://media/cat/") == without_paths(local, f"{mixed_folder}/")
