"""``synthguard serve | worker | purge | keys create|list|revoke``: run and administer the service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from ..service import ServiceConfig

__all__ = ["register"]

console = Console(soft_wrap=True)  # keys and URLs must stay on one line to be copied
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="SYNTHGUARD_HOME",
        help="database, media and artifacts (default ./var/synthguard)",
    ),
]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="YAML settings (default <data-dir>/config.yaml when present)")
]
Detectors = Annotated[
    list[str] | None, typer.Option("--detector", "-d", help="detector name or pattern (repeat); default all")
]


def _config(data_dir: Path | None, config: Path | None, **overrides: Any) -> ServiceConfig:
    from ..errors import ConfigError
    from ..service import load_config

    try:
        return load_config(data_dir, config, **overrides)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def serve(
    data_dir: DataDir = None,
    config: ConfigFile = None,
    host: Annotated[str, typer.Option(help="bind address (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int | None, typer.Option(help="scan worker threads in the server (0: none)")] = None,
    detector: Detectors = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Start the REST API, the review dashboard and local scan workers (SQLite by default)."""
    import uvicorn

    from ..service import create_app
    from ..store import Store

    cfg = _config(data_dir, config, workers=workers, detectors=tuple(detector) if detector else None)
    store = Store(cfg.store)
    console.print(f"data dir: {cfg.store.data_dir.resolve()}  database: {store.dialect}")
    if not store.has_keys():
        _, secret = store.create_key("admin", name="first-admin")
        console.print(f"[bold]first admin API key[/bold] (shown once, store it now): {secret}")
    else:
        console.print("API keys exist; make another with: synthguard keys create --role admin|moderator|...")
    url = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}"
    console.print(
        f"synthguard at [bold]{url}/[/bold]  (dashboard {url}/ui/, API {url}/v1, OpenAPI {url}/v1/openapi.json)"
    )
    uvicorn.run(
        create_app(cfg, store=store),
        host=host,
        port=port,
        log_level=log_level,
        access_log=True,
        server_header=False,
    )


def worker(
    data_dir: DataDir = None,
    config: ConfigFile = None,
    threads: Annotated[int, typer.Option(help="worker threads in this process")] = 1,
    detector: Detectors = None,
    max_jobs: Annotated[int | None, typer.Option(help="exit after this many jobs")] = None,
) -> None:
    """Run scan workers against the shared database (as many processes or machines as you like)."""
    from ..service.worker import serve_worker

    cfg = _config(data_dir, config, detectors=tuple(detector) if detector else None)
    n = serve_worker(cfg, threads=threads, max_jobs=max_jobs)
    console.print(f"worker stopped after {n} job(s)")


def purge(data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """Apply the retention policy now: expired media and artifacts, expired audit records (audited)."""
    from ..store import Store

    cfg = _config(data_dir, config)
    result = Store(cfg.store).purge()
    console.print(
        f"purged media of {result.media_purged} job(s), {result.blobs_deleted} blob(s), "
        f"{result.audit_deleted} audit record(s); recorded as audit event {result.audit_event_id}"
    )


keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="uploader | moderator | auditor | admin")],
    name: Annotated[str, typer.Option(help="who or what uses the key")] = "",
    data_dir: DataDir = None,
    config: ConfigFile = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from ..errors import ConfigError
    from ..store import Store

    cfg = _config(data_dir, config)
    try:
        info, secret = Store(cfg.store).create_key(role, name=name)
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    err.print(f"created {info.role} key {info.id} ({info.name}); it is shown only now:")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(data_dir: DataDir = None, config: ConfigFile = None) -> None:
    """List keys (ids, names, roles; never the secrets)."""
    from ..store import Store

    table = Table("id", "name", "role", "created", "last used", "revoked")
    for k in Store(_config(data_dir, config).store).list_keys():
        d = k.to_dict()
        table.add_row(
            k.id, k.name, k.role, d["created_at"] or "", d["last_used_at"] or "", d["revoked_at"] or ""
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key id (second part of the key)")],
    data_dir: DataDir = None,
    config: ConfigFile = None,
) -> None:
    """Revoke a key at once."""
    from ..store import Store

    if not Store(_config(data_dir, config).store).revoke_key(key_id):
        err.print(f"[red]no active key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``synthguard`` CLI."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("purge")(purge)
    app.add_typer(keys_app, name="keys")
