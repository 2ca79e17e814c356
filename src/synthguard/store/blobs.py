"""Content-addressed storage of media and artifacts (local folder; the protocol allows S3 and such)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from ..errors import ConfigError

__all__ = ["BlobStore", "LocalBlobStore"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobStore(Protocol):
    """Where bytes live, addressed by their sha256. Implement this for an object store."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its sha256 hex."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; ``KeyError`` when absent."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> bool:
        """Remove the bytes; True when something was removed."""
        ...


class LocalBlobStore:
    """Blobs as files ``root/ab/cd/<sha256>``, written atomically (temp file + rename).

    Example:
        >>> import tempfile
        >>> blobs = LocalBlobStore(tempfile.mkdtemp())
        >>> blobs.get(blobs.put(b"abc"))
        b'abc'
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        # The name is checked, never trusted: a sha256 that is not 64 hex digits cannot leave root.
        if not _SHA256.match(sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        if path.exists():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except KeyError:
            return False

    def delete(self, sha256: str) -> bool:
        try:
            self._path(sha256).unlink()
        except (FileNotFoundError, KeyError):
            return False
        return True


def open_blob_store(url: str) -> BlobStore:
    """A blob store from a URL or folder path (only local folders are built in)."""
    if url.startswith("file://"):
        url = url[len("file://") :]
    if "://" in url:
        raise ConfigError(f"unsupported blob store {url!r}: only local folders are built in")
    return LocalBlobStore(url)
