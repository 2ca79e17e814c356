"""The ray engine (Ray Data on a local 2-CPU Ray): same rows as the local engine, resumable.

Slow (Ray start ~8 s, actor start a few seconds per dataset); skipped when Ray is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synthguard.batch import read_results, run_batch
from synthguard.batch.demo import make_image

from .conftest import DETECTORS, normalise

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

# Ray warns about its own deprecated settings when it copies its DataContext: not ours to fix.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")]


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_out(ray_session: Any, mixed_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ray-results")
    summary = run_batch(mixed_folder, out, engine="ray", detectors=DETECTORS, workers=2)
    assert (summary.items, summary.scanned, summary.skipped, summary.errors) == (15, 15, 0, 5)
    return out


def test_ray_and_local_engines_give_identical_rows(ray_out: Path, mixed_folder: Path, tmp_path: Path) -> None:
    run_batch(mixed_folder, tmp_path, detectors=DETECTORS, workers=0)
    local = normalise(read_results(tmp_path).to_pylist())
    assert normalise(read_results(ray_out).to_pylist()) == local
    assert not (ray_out / "_staging").exists()


def test_ray_rerun_scans_only_new_items_and_rows_vanished_files(
    ray_out: Path, mixed_folder: Path, tmp_path: Path
) -> None:
    import numpy as np

    new = tmp_path / "new.png"
    new.write_bytes(make_image(np.random.default_rng(5)))
    gone = tmp_path / "gone.png"
    listing = tmp_path / "items.txt"
    items = sorted(str(p) for p in mixed_folder.rglob("*") if p.is_file())
    listing.write_text("\n".join([*items, str(new), str(gone)]) + "\n")
    summary = run_batch(listing, ray_out, engine="ray", detectors=DETECTORS, workers=2)
    assert (summary.items, summary.scanned, summary.skipped) == (17, 2, 15)
    rows = {r["path"]: r for r in read_results(ray_out).to_pylist()}
    assert rows[str(new)]["media_kind"] == "image"
    assert rows[str(gone)]["error_type"] == "MediaError"
    assert read_results(ray_out, dedupe=False).num_rows == 17
