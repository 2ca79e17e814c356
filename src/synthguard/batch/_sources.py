"""Where batch items come from: a folder, a list file, or an object-store prefix (via fsspec).

Items are identified by a *canonical path* string: an absolute local path (``/data/a.jpg``) or a
full URL (``s3://bucket/a.jpg``, ``memory://cat/a.png``). The same string is the ``path`` column of
the results, so both engines and every re-run agree on what an item is called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MediaError, MediaLimitError

__all__ = ["is_url", "list_items", "read_item"]

_LIST_COMMENT = "#"


def is_url(path: str) -> bool:
    """True for ``scheme://...`` paths other than ``file://`` (those go through fsspec)."""
    return "://" in path and not path.startswith("file://")


def _fs(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec is a dependency of the batch extra
        raise ConfigError("object-store sources need fsspec: pip install 'synthguard[batch]'") from exc
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"{url}: no filesystem for this URL ({exc}); for s3:// install s3fs") from exc
    return fs, root


def _visible(rel_parts: tuple[str, ...]) -> bool:
    """Skip hidden files and folders (``.DS_Store``, ``.git``) and our own temp files."""
    return not any(p.startswith((".", "_")) and p != "." for p in rel_parts if p)


def _list_local_dir(root: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        out.extend(str(Path(dirpath, f)) for f in filenames if not f.startswith("."))
    return sorted(out)


def _read_list(text: str, base: str) -> list[str]:
    """Parse a list file; ``base`` is the list's own folder (path or URL) for relative lines."""
    items: list[str] = []
    url_base = base if is_url(base) else None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(_LIST_COMMENT):
            continue
        if is_url(line):
            items.append(_canonical_url(line))
        elif line.startswith("file://"):
            items.append(str(Path(line[len("file://") :]).resolve()))
        elif url_base is not None:
            items.append(_canonical_url(url_base + line.lstrip("/")))
        else:
            items.append(str((Path(base) / line).resolve()))
    return items


def _canonical_url(url: str) -> str:
    """The form fsspec lists a URL in (``memory://a`` and ``memory:///a`` are the same item)."""
    fs, path = _fs(url)
    return str(fs.unstrip_protocol(path))


def list_items(source: str | os.PathLike[str]) -> list[str]:
    """Expand SOURCE into the sorted, de-duplicated canonical paths of its items.

    Args:
        source: a local folder (walked recursively; hidden and ``_``-prefixed entries skipped),
            a list file (one path or URL per line, ``#`` comments, relative paths resolved
            against the list file's folder), or an fsspec URL of a prefix or list file
            (``s3://bucket/catalogue/``, ``memory://cat``).

    Raises:
        ConfigError: the source does not exist or cannot be listed.

    Example:
        >>> list_items("var/batch/demo")  # doctest: +SKIP
        ['var/batch/demo/a.png', ...]
    """
    src = os.fspath(source)
    if src.startswith("file://"):
        src = src[len("file://") :]
    if is_url(src):
        fs, root = _fs(src)
        if fs.isdir(root):
            found = []
            for p in fs.find(root):
                rel = p[len(root.rstrip("/")) :].lstrip("/") if p.startswith(root.rstrip("/")) else p
                if _visible(tuple(rel.split("/"))):
                    found.append(str(fs.unstrip_protocol(p)))
            return sorted(set(found))
        if fs.isfile(root):
            text = fs.cat_file(root).decode("utf-8")
            return sorted(set(_read_list(text, src[: src.rfind("/") + 1])))
        raise ConfigError(f"{source}: no such prefix or list file")
    path = Path(src).resolve()
    if path.is_dir():
        return _list_local_dir(path)
    if path.is_file():
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{source}: a file SOURCE must be a UTF-8 list of paths (one per line); "
                "to scan one media file use `synthguard scan`"
            ) from exc
        return sorted(set(_read_list(text, str(path.parent))))
    raise ConfigError(f"{source}: no such folder, list file or URL")


def read_item(path: str, max_bytes: int) -> bytes:
    """Read one item's bytes, refusing files larger than ``max_bytes`` before reading them.

    Raises:
        MediaError: the item cannot be read (missing, not a file, I/O error).
        MediaLimitError: it is larger than ``max_bytes``.
    """
    try:
        if is_url(path):
            fs, p = _fs(path)
            size = fs.size(p)
            if size is not None and size > max_bytes:
                raise MediaLimitError(f"{path}: {size} bytes exceeds the limit of {max_bytes} bytes")
            data: bytes = fs.cat_file(p)
        else:
            local = Path(path)
            size = local.stat().st_size
            if size > max_bytes:
                raise MediaLimitError(f"{path}: {size} bytes exceeds the limit of {max_bytes} bytes")
            data = local.read_bytes()
    except MediaError:
        raise
    except FileNotFoundError as exc:
        raise MediaError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise MediaError(f"{path}: not a regular file") from exc
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from exc
    if len(data) > max_bytes:
        raise MediaLimitError(f"{path}: {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    return data
