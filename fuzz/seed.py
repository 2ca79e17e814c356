"""Write the seed corpus (valid small files of every type) for the fuzzers into fuzz/corpus/."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostilemedia import valid_samples  # noqa: E402


def main(out: Path) -> None:
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    for name, data in valid_samples().items():
        (media / name).write_bytes(data[:20000])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "corpus")
