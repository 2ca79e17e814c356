"""Labelled datasets for benchmarks: a ``labels.csv`` (file,label,split,...) beside the files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

__all__ = ["Dataset", "Item"]

_LABELS = {"real": 0, "fake": 1, "bonafide": 0, "bona-fide": 0, "spoof": 1, "0": 0, "1": 1}
_RESERVED = {"file", "path", "label", "split"}


@dataclass(frozen=True)
class Item:
    """One labelled file: ``label`` 1 = fake / synthetic, 0 = real."""

    path: Path
    label: int
    split: str
    groups: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Dataset:
    """A list of labelled items, usually one split of a labels file.

    Example:
        >>> ds = Dataset.from_csv("../shared/data/images/diffusiondb-coco/labels.csv",
        ...                       split="test")  # doctest: +SKIP
        >>> len(ds), ds.counts()  # doctest: +SKIP
        (50, {'real': 25, 'fake': 25})
    """

    name: str
    items: tuple[Item, ...]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def counts(self) -> dict[str, int]:
        fake = sum(i.label for i in self.items)
        return {"real": len(self.items) - fake, "fake": fake}

    def group_columns(self, max_values: int = 20) -> list[str]:
        """Columns worth a per-group breakdown: 2..max_values distinct values."""
        columns: dict[str, set[str]] = {}
        for item in self.items:
            for k, v in item.groups.items():
                columns.setdefault(k, set()).add(v)
        return [k for k, vals in columns.items() if 2 <= len(vals) <= max_values]

    def limit(self, n: int | None, seed: int = 0) -> Dataset:
        """A class-balanced, deterministic subset of at most ``n`` items (None: all)."""
        if n is None or n >= len(self.items):
            return self
        import random

        rng = random.Random(seed)
        real = [i for i in self.items if i.label == 0]
        fake = [i for i in self.items if i.label == 1]
        rng.shuffle(real)
        rng.shuffle(fake)
        half = n // 2
        take_real = real[: max(half, n - len(fake))]
        take_fake = fake[: n - len(take_real)]
        return Dataset(self.name, tuple(take_real + take_fake))

    @classmethod
    def from_csv(
        cls, path: str | Path, split: str | None = "test", root: str | Path | None = None
    ) -> Dataset:
        """Read a CSV or TSV with columns ``file`` (or ``path``), ``label`` and optionally ``split``.

        Paths are relative to ``root`` (default: the labels file's folder). Other columns become
        groups for per-source / per-generator breakdowns. ``split=None`` keeps every row.
        """
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"labels file {path} not found")
        base = Path(root) if root is not None else path.parent
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        items: list[Item] = []
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            fields = set(reader.fieldnames or ())
            file_col = "file" if "file" in fields else "path" if "path" in fields else None
            if file_col is None or "label" not in fields:
                raise ConfigError(
                    f"{path}: needs columns 'file' (or 'path') and 'label', has {sorted(fields)}"
                )
            for n, row in enumerate(reader, start=2):
                label_text = (row["label"] or "").strip().lower()
                if label_text not in _LABELS:
                    raise ConfigError(f"{path}:{n}: label {row['label']!r} is not real/fake")
                row_split = (row.get("split") or "").strip() or "all"
                if split is not None and "split" in fields and row_split != split:
                    continue
                groups = {k: (v or "") for k, v in row.items() if k not in _RESERVED and k is not None}
                items.append(Item(base / row[file_col], _LABELS[label_text], row_split, groups))
        if not items:
            raise ConfigError(f"{path}: no rows for split {split!r}")
        name = f"{path.parent.name}/{path.name}" + (f"[{split}]" if split else "")
        return cls(name, tuple(items))
