"""Fixtures for the face tests: real DFDC crops (skip without ../shared/data) and tiny videos."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage


@pytest.fixture(scope="session")
def dfdc(shared_data: Path) -> Path:
    folder = shared_data / "faces" / "dfdc"
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"DFDC face crops not found in {folder}")
    return folder


@pytest.fixture(scope="session")
def dfdc_faces(dfdc: Path) -> list[tuple[np.ndarray, str]]:
    """Eight test-split crops (4 real, 4 fake) as RGB arrays with their labels."""
    with open(dfdc / "labels.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
    chosen = [r for r in rows if r["label"] == "real"][:4] + [r for r in rows if r["label"] == "fake"][:4]
    return [(np.asarray(PILImage.open(dfdc / r["file"]).convert("RGB")), r["label"]) for r in chosen]
