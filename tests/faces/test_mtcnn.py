"""MTCNN (ONNX + numpy) on real DFDC face crops, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.errors import DetectorInputError, ModelIntegrityError
from synthguard.faces import MODELS_DIR, FaceDetector


@pytest.fixture(scope="module")
def mtcnn() -> FaceDetector:
    return FaceDetector(threads=1)


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3), np.float32)],
    ids=["gray", "rgba", "float"],
)
def test_rejects_non_rgb(mtcnn: FaceDetector, pixels: np.ndarray) -> None:
    with pytest.raises(DetectorInputError):
        mtcnn.detect(pixels)


@pytest.mark.parametrize("shape", [(12, 12), (64, 48), (360, 640)])
def test_blank_images_have_no_face(mtcnn: FaceDetector, shape: tuple[int, int]) -> None:
    assert mtcnn.detect(np.full((*shape, 3), 127, np.uint8)) == []


def test_missing_model_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "mtcnn_card.json").write_text((MODELS_DIR / "mtcnn_card.json").read_text())
    with pytest.raises(ModelIntegrityError, match="missing"):
        FaceDetector(models_dir=tmp_path)


@pytest.mark.data
def test_finds_real_faces_with_landmarks(mtcnn: FaceDetector, dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    found = 0
    for pixels, _label in dfdc_faces:
        faces = mtcnn.detect(pixels)
        if not faces:
            continue
        found += 1
        f = faces[0]
        assert f.score > 0.9
        assert 100 < f.width < 400 and 100 < f.height < 400  # the crop is (mostly) one face
        (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = f.landmarks
        assert lx < rx and lx < nx + 0.15 * f.width and nx - 0.15 * f.width < rx, "nose near between the eyes"
        assert max(ly, ry) < ny < min(mly, mry), "eyes above the nose, above the mouth"
        assert mlx < mrx
    assert found >= len(dfdc_faces) - 1


@pytest.mark.data
def test_face_in_a_larger_frame_is_located(mtcnn: FaceDetector, dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image as PILImage

    face = np.asarray(PILImage.fromarray(dfdc_faces[1][0]).resize((120, 120)))
    frame = np.full((720, 1280, 3), 60, np.uint8)
    frame[300:420, 900:1020] = face
    (f,) = mtcnn.detect(frame)
    cx, cy = f.center
    assert 900 < cx < 1020 and 300 < cy < 420
