"""The synthguard service: REST API, workers, webhooks, metrics (FastAPI; ``synthguard serve``).

A thin shell over :mod:`synthguard.pipeline` and :mod:`synthguard.store`. See docs/service.md.

Example:
    >>> from synthguard.service import create_app, load_config
    >>> app = create_app(load_config("var/synthguard"))  # doctest: +SKIP
"""

from .app import create_app
from .config import ServiceConfig, load_config
from .webhooks import sign, verify_signature
from .worker import Worker

__all__ = ["ServiceConfig", "Worker", "create_app", "load_config", "sign", "verify_signature"]
