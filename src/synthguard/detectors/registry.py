"""The one detector registry: register, create, list.

Detectors in this package register themselves on import; third-party packages can add theirs
through the ``synthguard.detectors`` entry-point group.

Example:
    >>> from synthguard.detectors import create_detector, list_detectors
    >>> "test.constant" in list_detectors("test.*")
    True
    >>> create_detector("test.constant", score=0.9).card.name
    'test.constant'
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from collections.abc import Callable
from importlib import metadata
from typing import Any, TypeVar

from ..errors import DetectorError, UnknownDetectorError
from .base import Detector, DetectorCard

__all__ = ["create_detector", "detector_card", "list_detectors", "register_detector"]

_REGISTRY: dict[str, type[Detector]] = {}
_loaded = False

D = TypeVar("D", bound=type[Detector])


def register_detector(name: str) -> Callable[[D], D]:
    """Class decorator: make a :class:`Detector` subclass available as ``name``."""

    def decorator(cls: D) -> D:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise DetectorError(f"detector name {name!r} is already registered by {_REGISTRY[name]!r}")
        card = getattr(cls, "card", None)
        if not isinstance(card, DetectorCard) or card.name != name:
            raise DetectorError(
                f"detector {cls.__name__} must define card = DetectorCard(name={name!r}, ...)"
            )
        _REGISTRY[name] = cls
        return cls

    return decorator


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module(__package__ or "synthguard.detectors")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name not in {"base", "registry"}:
            importlib.import_module(f"{package.__name__}.{info.name}")
    for ep in metadata.entry_points(group="synthguard.detectors"):
        ep.load()


def list_detectors(pattern: str = "*") -> list[str]:
    """Sorted names of registered detectors matching a glob pattern (``"audio.*"``)."""
    _load_builtin()
    return sorted(n for n in _REGISTRY if fnmatch.fnmatchcase(n, pattern))


def detector_card(name: str) -> DetectorCard:
    """The card of a registered detector, without building it (no model is loaded)."""
    return _lookup(name).card


def create_detector(name: str, **kwargs: Any) -> Detector:
    """Build a registered detector; keyword arguments go to its constructor."""
    cls = _lookup(name)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise DetectorError(f"cannot create detector {name!r}: {exc}") from exc


def _lookup(name: str) -> type[Detector]:
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownDetectorError(f"no detector named {name!r}; registered: {known}") from None
