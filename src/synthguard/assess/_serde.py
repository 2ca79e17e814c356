"""Generic JSON conversion of the assessment's frozen dataclasses (for the JSON twin).

Why generic: the model has ~15 small dataclasses; one type-driven converter keeps ``to_dict`` and
``from_dict`` in step with the fields instead of 30 hand-written methods that drift.
Supported field types: dataclasses, ``tuple[X, ...]``, ``Mapping[str, X]``, ``X | None``,
``datetime``, ``date``, ``str``, ``int``, ``float``, ``bool``, ``Literal``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")

__all__ = ["from_jsonable", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, mappings, dates -> JSON-ready dicts, lists and ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, data: Any) -> Any:
    """Inverse of :func:`to_jsonable` driven by the type annotation ``tp``."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return from_jsonable(args[0], data) if len(args) == 1 else data
    if origin is typing.Literal:
        return data
    if origin is tuple:
        return tuple(from_jsonable(get_args(tp)[0], v) for v in data)
    if origin in (Mapping, dict):
        _, vt = get_args(tp)
        return {k: from_jsonable(vt, v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kw = {
            f.name: from_jsonable(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data
        }
        return tp(**kw)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if tp is Any:
        return data
    return data
