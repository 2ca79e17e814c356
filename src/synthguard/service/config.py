"""Service settings: from a YAML file, then ``SYNTHGUARD_*`` environment variables, then arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, PolicyError
from ..pipeline import Scanner
from ..policy import DEFAULT_POLICY, Policy
from ..store import StoreConfig, default_home

__all__ = ["ServiceConfig", "load_config"]


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``synthguard serve`` needs.

    Attributes:
        store: database, blob folder, leases, retention (see :class:`synthguard.store.StoreConfig`).
        detectors: detector names or patterns the workers run (None: every production detector).
        workers: scan worker threads started inside the server (0: run ``synthguard worker`` apart).
        max_upload_bytes: largest accepted upload (413 above it).
        rate_limit_per_minute: requests per API key per minute (429 above it; 0 disables).
        allowed_paths: folders whose files may be submitted by path instead of upload.
        cors_origins: origins allowed by CORS; empty (the default) turns CORS off.
        webhook_secret: HMAC-SHA256 key for callback signatures (``SYNTHGUARD_WEBHOOK_SECRET``).
        webhook_max_attempts: delivery attempts before a callback is given up.
        webhook_allowed_prefixes: callback URLs must start with one of these (empty: any http(s)).
        max_wait_seconds: cap of ``GET /v1/scans/{id}?wait=``.
        metrics_public: serve ``/metrics`` without a key (for a scraper on a private network).
        poll_seconds: how often an idle worker looks for jobs.
        policy_file: a policy YAML (``Policy.to_yaml``) the workers decide with (default policy).
        live_confirm_detector: a detector that must agree before a live room raises an alert
            (``LiveConfig.confirm_detector``; ``SYNTHGUARD_LIVE_CONFIRM_DETECTOR=audio.synthetic_voice``
            trades some alert latency for far fewer false alerts on real conversations); empty: off.
    """

    store: StoreConfig = field(default_factory=StoreConfig)
    detectors: tuple[str, ...] | None = None
    workers: int = 1
    max_upload_bytes: int = 200 * 1024**2
    rate_limit_per_minute: int = 600
    allowed_paths: tuple[Path, ...] = ()
    cors_origins: tuple[str, ...] = ()
    webhook_secret: str = field(default="", repr=False)
    webhook_max_attempts: int = 5
    webhook_backoff_seconds: float = 2.0
    webhook_allowed_prefixes: tuple[str, ...] = ()
    max_wait_seconds: float = 60.0
    metrics_public: bool = False
    poll_seconds: float = 0.5
    policy_file: Path | None = None
    live_confirm_detector: str = ""

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ConfigError("workers must be >= 0")
        if self.max_upload_bytes <= 0:
            raise ConfigError("max_upload_bytes must be positive")
        if self.rate_limit_per_minute < 0:
            raise ConfigError("rate_limit_per_minute must be >= 0")
        object.__setattr__(self, "allowed_paths", tuple(Path(p).resolve() for p in self.allowed_paths))
        if self.policy_file is not None:
            object.__setattr__(self, "policy_file", Path(self.policy_file))

    def policy(self) -> Policy:
        """The decision policy: ``policy_file`` when set, else the default."""
        if self.policy_file is None:
            return DEFAULT_POLICY
        try:
            return Policy.from_yaml(self.policy_file)
        except PolicyError as exc:
            raise ConfigError(str(exc)) from exc

    def scanner(self) -> Scanner:
        """A scanner for one worker (built once per worker: detectors load lazily)."""
        return Scanner(self.detectors, policy=self.policy())


_TUPLES = {"detectors", "allowed_paths", "cors_origins", "webhook_allowed_prefixes"}
_STORE_KEYS = {f.name for f in fields(StoreConfig)}


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    if name in _TUPLES:
        if isinstance(raw, str):
            raw = [p.strip() for p in raw.split(",") if p.strip()]
        return tuple(raw) if raw is not None else None
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (bool, "bool"):
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
    return raw


def load_config(
    data_dir: str | os.PathLike[str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> ServiceConfig:
    """Settings from ``config_file`` (YAML; default ``<data_dir>/config.yaml`` when present), then
    ``SYNTHGUARD_<NAME>`` variables (``SYNTHGUARD_DATABASE_URL``, ``SYNTHGUARD_MAX_UPLOAD_BYTES``,
    ``SYNTHGUARD_WEBHOOK_SECRET``...), then ``overrides`` (None values ignored).

    Store keys (``database_url``, ``lease_seconds``, retention days...) may sit at the top level.
    """
    home = Path(data_dir) if data_dir else default_home()
    values: dict[str, Any] = {}
    path = Path(config_file) if config_file else home / "config.yaml"
    if config_file and not path.is_file():
        raise ConfigError(f"config file {path} not found")
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text("utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        values.update(loaded)
    types = {f.name: f.type for f in fields(ServiceConfig)} | {f.name: f.type for f in fields(StoreConfig)}
    for name in types:
        raw = os.environ.get(f"SYNTHGUARD_{name.upper()}")
        if raw not in (None, "") and name not in ("store", "data_dir"):
            values[name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - set(types)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    store_kw: dict[str, Any] = {"data_dir": Path(values.pop("data_dir", home))}
    svc_kw: dict[str, Any] = {}
    for name, raw in values.items():
        kind = types[name]
        for base in ("int", "float", "bool"):
            if isinstance(kind, str) and kind.startswith(base):
                kind = base
        try:
            coerced = _coerce(name, raw, kind)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {name}={raw!r}: {exc}") from exc
        (store_kw if name in _STORE_KEYS else svc_kw)[name] = coerced
    return ServiceConfig(store=StoreConfig(**store_kw), **svc_kw)


def with_store(config: ServiceConfig, **store_changes: Any) -> ServiceConfig:
    """A copy of ``config`` with store settings changed."""
    return replace(config, store=replace(config.store, **store_changes))
