"""face.mesonet peer adapter: needs the user-supplied Meso4 ONNX (skips without ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthguard.detectors import create_detector, detector_card
from synthguard.errors import DetectorError
from synthguard.media import Image


def test_card_and_missing_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    assert detector_card("face.mesonet").modalities == ("image",)
    monkeypatch.delenv("SYNTHGUARD_MESONET_ONNX", raising=False)
    with pytest.raises(DetectorError, match="user-supplied"):
        create_detector("face.mesonet")


@pytest.mark.data
def test_mesonet_scores_faces(shared_data: Path, dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    path = shared_data / "faces" / "peer-mesonet" / "meso4_df.onnx"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    det = create_detector("face.mesonet", model_path=path, threads=1)
    ev = det.detect(Image(dfdc_faces[0][0]))
    assert ev.score is not None and 0 <= ev.score <= 1 and len(ev.regions) == 1
    assert det.detect(Image(np.zeros((64, 64, 3), np.uint8))).score is None
    crop = create_detector("face.mesonet", model_path=path, assume_face=True, threads=1)
    assert crop.detect(Image(np.zeros((64, 64, 3), np.uint8))).score is not None
