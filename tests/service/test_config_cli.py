"""Settings from file and environment, and the ``keys`` / ``purge`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from synthguard.cli import serve as serve_cli
from synthguard.errors import ConfigError
from synthguard.service import load_config
from synthguard.store import Store, StoreConfig


def test_file_then_environment_then_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.yaml").write_text(
        "max_upload_bytes: 1000\nrate_limit_per_minute: 5\ncors_origins: [https://a.example]\n"
        "audit_retention_days: 365\ndetectors: ['test.*']\n"
    )
    monkeypatch.setenv("SYNTHGUARD_RATE_LIMIT_PER_MINUTE", "7")
    monkeypatch.setenv("SYNTHGUARD_WEBHOOK_SECRET", "s3cret")
    monkeypatch.delenv("SYNTHGUARD_DATABASE_URL", raising=False)
    cfg = load_config(tmp_path, workers=3)
    assert (cfg.max_upload_bytes, cfg.rate_limit_per_minute, cfg.workers) == (1000, 7, 3)
    assert cfg.cors_origins == ("https://a.example",) and cfg.detectors == ("test.*",)
    assert cfg.store.audit_retention_days == 365 and cfg.store.data_dir == tmp_path
    assert cfg.webhook_secret == "s3cret" and "s3cret" not in repr(cfg)
    assert cfg.store.url.startswith("sqlite:///") and str(tmp_path) in cfg.store.url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense_setting: 1\n", "unknown setting"),
        ("- a list\n", "mapping"),
        ("workers: many\n", "workers"),
        ("audit_retention_days: 10\n", "legal minimum"),
    ],
)
def test_bad_config(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_keys_and_purge_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNTHGUARD_DATABASE_URL", raising=False)
    app = typer.Typer()
    serve_cli.register(app)
    runner = CliRunner()
    home = ["--data-dir", str(tmp_path)]
    created = runner.invoke(app, ["keys", "create", "--role", "moderator", "--name", "mia", *home])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    store = Store(StoreConfig(data_dir=tmp_path))
    key = store.authenticate(secret)
    assert key is not None and key.role == "moderator"
    listed = runner.invoke(app, ["keys", "list", *home])
    assert key.id in listed.stdout and secret not in listed.stdout
    assert runner.invoke(app, ["keys", "create", "--role", "root", *home]).exit_code == 2
    assert runner.invoke(app, ["keys", "revoke", key.id, *home]).exit_code == 0
    assert store.authenticate(secret) is None
    assert runner.invoke(app, ["purge", *home]).exit_code == 0
    assert [a.action for a in store.list_audit()][:1] == ["retention.purge"]


def test_policy_file_drives_the_workers(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from synthguard.policy import Policy
    from synthguard.service import create_app

    (tmp_path / "policy.yaml").write_text(Policy(version="strict-1", block_threshold=0.05).to_yaml())
    cfg = load_config(
        tmp_path, detectors=("test.*",), policy_file=tmp_path / "policy.yaml", poll_seconds=0.05
    )
    store = Store(cfg.store)
    key = store.create_key("admin")[1]
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(cfg, store=store)) as client:
        assert client.get("/v1/policy", headers=headers).json()["version"] == "strict-1"
        job = client.post("/v1/scans", files={"file": ("a.wav", _wav(), "audio/wav")}, headers=headers).json()
        done = client.get(f"/v1/scans/{job['id']}", params={"wait": 10}, headers=headers).json()
    assert done["decision"] == "block" and done["report"]["verdict"]["policy_version"] == "strict-1"
    (tmp_path / "bad.yaml").write_text("label_threshold: 7\n")
    with pytest.raises(ConfigError):
        create_app(load_config(tmp_path, policy_file=tmp_path / "bad.yaml"), store=store)


def _wav() -> bytes:
    import io
    import math
    import struct
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(16000)))
    return buf.getvalue()
