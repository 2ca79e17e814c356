"""Sources: folders, list files and fsspec prefixes expand to canonical item paths."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest

from synthguard.batch import list_items, read_item
from synthguard.errors import ConfigError, MediaError, MediaLimitError


def _tree(root: Path) -> None:
    for rel in ("a.png", "sub/b.wav", "sub/deeper/c.mp4", ".hidden", ".git/x", "_staging/y.parquet"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")


def test_folder_is_walked_recursively_skipping_hidden(tmp_path: Path) -> None:
    _tree(tmp_path)
    got = list_items(tmp_path)
    assert got == [str(tmp_path / r) for r in ("a.png", "sub/b.wav", "sub/deeper/c.mp4")]


def test_list_file_resolves_relative_paths_and_skips_comments(tmp_path: Path) -> None:
    _tree(tmp_path)
    listing = tmp_path / "items.txt"
    listing.write_text(f"# catalogue\na.png\n\nsub/b.wav\n{tmp_path / 'a.png'}\nmemory://bucket/z.jpg\n")
    assert list_items(listing) == [
        str(tmp_path / "a.png"),
        str(tmp_path / "sub/b.wav"),
        "memory:///bucket/z.jpg",
    ]


@pytest.fixture
def memfs() -> fsspec.AbstractFileSystem:
    fs = fsspec.filesystem("memory")
    fs.pipe(
        {"/cat/a.png": b"aa", "/cat/sub/b.wav": b"bbb", "/cat/.hidden": b"h", "/list.txt": b"cat/a.png\n"}
    )
    yield fs
    fs.rm("/cat", recursive=True)
    fs.rm("/list.txt")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("memory://cat", ["memory:///cat/a.png", "memory:///cat/sub/b.wav"]),
        ("memory://cat/", ["memory:///cat/a.png", "memory:///cat/sub/b.wav"]),
        ("memory:///list.txt", ["memory:///cat/a.png"]),
    ],
)
def test_object_store_prefix_and_list(
    memfs: fsspec.AbstractFileSystem, source: str, expected: list[str]
) -> None:
    items = list_items(source)
    assert items == expected
    assert read_item(items[0], 100) == b"aa"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: p / "missing", ConfigError),
        (lambda p: (p / "bin.dat").write_bytes(b"\xff\xfe\x00\x81") and p / "bin.dat", ConfigError),
    ],
)
def test_bad_sources_raise_config_error(tmp_path: Path, make, error: type[Exception]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        list_items(make(tmp_path))


@pytest.mark.parametrize(
    ("size", "limit", "error"),
    [(10, 100, None), (10, 5, MediaLimitError), (None, 100, MediaError)],
)
def test_read_item_limits_and_missing(
    tmp_path: Path, size: int | None, limit: int, error: type[Exception] | None
) -> None:
    path = tmp_path / "f.bin"
    if size is not None:
        path.write_bytes(b"z" * size)
    if error is None:
        assert read_item(str(path), limit) == b"z" * size  # type: ignore[operator]
    else:
        with pytest.raises(error):
            read_item(str(path), limit)
