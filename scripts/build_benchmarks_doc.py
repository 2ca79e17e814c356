"""Assemble docs/benchmarks.md from the per-area sections in docs/benchmarks/*.md.

Each area keeps its own section (with the command beside each number); this page puts them in
one place, in a fixed order, with a table of contents.
"""

from __future__ import annotations

from pathlib import Path

ORDER = ["speech", "faces", "images", "provenance", "service", "live", "batch"]
HEADER = """# Benchmarks

Measured, not claimed. Every number below comes from a command shown beside it, on a split the
model never trained on, clean and after platform-style re-encoding, on this project's 2-core build
machine (shared with other jobs while these ran: throughput figures are lower bounds). The per-area
sources are in `docs/benchmarks/`; rebuild this page with `python scripts/build_benchmarks_doc.py`.

"""


def main() -> None:
    root = Path(__file__).resolve().parents[1] / "docs"
    parts = {p.stem: p for p in (root / "benchmarks").glob("*.md")}
    names = [n for n in ORDER if n in parts] + sorted(n for n in parts if n not in ORDER)
    toc = "\n".join(f"- [{n}](benchmarks/{n}.md)" for n in names)
    body = "\n\n".join(parts[n].read_text("utf-8").strip() for n in names)
    (root / "benchmarks.md").write_text(HEADER + toc + "\n\n" + body + "\n", "utf-8")


if __name__ == "__main__":
    main()
