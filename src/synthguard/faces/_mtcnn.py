"""MTCNN face detection (Zhang et al. 2016) with onnxruntime + numpy.

The three networks are the ones bundled in ``facenet-pytorch`` 2.6.0 (MIT), exported once to ONNX by
:mod:`synthguard.train.faces_mtcnn` and shipped in ``synthguard/models/faces/``. The cascade logic
follows facenet-pytorch's ``detect_face`` (same thresholds, scale factor and NMS steps) with numpy NMS.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage

from .._onnx import onnx_session
from ..detectors.base import verify_weights
from ..errors import DetectorInputError
from ._nms import nms

__all__ = ["MODELS_DIR", "Face", "FaceDetector"]

MODELS_DIR = Path(__file__).resolve().parent.parent / "models" / "faces"


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face in pixel coordinates of the image it was found in.

    Attributes:
        box: ``(x1, y1, x2, y2)``.
        score: MTCNN face probability of the last stage.
        landmarks: five ``(x, y)`` points: left eye, right eye, nose, left and right mouth corner
            (left/right as seen in the image).
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...] = ()

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0)

    def scaled(self, factor: float) -> Face:
        """The same face in an image scaled by ``factor``."""
        return Face(
            tuple(v * factor for v in self.box),  # type: ignore[arg-type]
            self.score,
            tuple((x * factor, y * factor) for x, y in self.landmarks),
        )


def _session(path: Path, threads: int | None) -> Any:
    return onnx_session(path, threads, owner="MTCNN face detector")


def _square(boxes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Grow boxes to squares around their centres (MTCNN ``rerec``)."""
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _regress(boxes: npt.NDArray[np.float64], reg: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out[:, 0] += reg[:, 0] * w
    out[:, 1] += reg[:, 1] * h
    out[:, 2] += reg[:, 2] * w
    out[:, 3] += reg[:, 3] * h
    return out


def _norm(batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """HWC uint8-range RGB -> NCHW in [-1, 1] as MTCNN expects."""
    return ((batch - 127.5) * 0.0078125).transpose(0, 3, 1, 2).astype(np.float32)


def _patches(img: PILImage.Image, boxes: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float32]:
    """Crop each box (zero-padded outside the image) and resize it to ``size`` x ``size``."""
    out = np.empty((len(boxes), size, size, 3), dtype=np.float32)
    for i, (x1, y1, x2, y2) in enumerate(np.round(boxes[:, :4]).astype(int)):
        patch = img.crop((int(x1), int(y1), max(int(x2), int(x1) + 1), max(int(y2), int(y1) + 1)))
        out[i] = np.asarray(patch.resize((size, size), PILImage.Resampling.BILINEAR), dtype=np.float32)
    return out


class FaceDetector:
    """Finds faces and five landmarks in RGB images with the bundled MTCNN ONNX models.

    Args:
        min_face_size: smallest face searched for, in pixels of the (downscaled) image.
        thresholds: face-probability thresholds of the three stages.
        factor: scale step of the image pyramid.
        max_side: images larger than this are downscaled first (speed); boxes are returned in the
            original image's coordinates.
        retry_padded: when nothing is found in a small image (<= 512 px), search again with a 25 %
            edge-replicated border: MTCNN misses faces that fill the whole frame (ready-made face crops).
        threads: onnxruntime intra-op threads (None: onnxruntime's default).
        models_dir: folder with ``mtcnn_{p,r,o}net.onnx`` and ``mtcnn_card.json``.

    Example:
        >>> import numpy as np
        >>> FaceDetector().detect(np.zeros((64, 64, 3), np.uint8))
        []
    """

    def __init__(
        self,
        *,
        min_face_size: int = 20,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
        factor: float = 0.709,
        max_side: int = 640,
        retry_padded: bool = True,
        threads: int | None = None,
        models_dir: Path | None = None,
    ) -> None:
        folder = models_dir or MODELS_DIR
        card: dict[str, Any] = json.loads((folder / "mtcnn_card.json").read_text("utf-8"))
        sessions = []
        for net in ("pnet", "rnet", "onet"):
            info = card["files"][f"mtcnn_{net}.onnx"]
            sessions.append(_session(verify_weights(folder / f"mtcnn_{net}.onnx", info["sha256"]), threads))
        self._pnet, self._rnet, self._onet = sessions
        self.min_face_size = min_face_size
        self.thresholds = thresholds
        self.factor = factor
        self.max_side = max_side
        self.retry_padded = retry_padded

    def detect(self, pixels: npt.NDArray[np.uint8], max_faces: int | None = None) -> list[Face]:
        """Faces in an RGB uint8 ``(H, W, 3)`` image, best (largest x most certain) first.

        Raises:
            DetectorInputError: the array is not an RGB image.
        """
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise DetectorInputError(
                f"FaceDetector wants uint8 (H, W, 3) RGB, got {pixels.dtype} {pixels.shape}"
            )
        h, w = pixels.shape[:2]
        img = PILImage.fromarray(pixels)
        shrink = min(1.0, self.max_side / max(h, w))
        if shrink < 1.0:
            img = img.resize(
                (max(1, round(w * shrink)), max(1, round(h * shrink))), PILImage.Resampling.BILINEAR
            )
        faces = self._cascade(img)
        if not faces and self.retry_padded and max(h, w) <= 512:
            pad = round(max(h, w) * 0.25)
            padded = np.pad(np.asarray(img), ((pad, pad), (pad, pad), (0, 0)), mode="edge")
            faces = [
                Face(
                    (f.box[0] - pad, f.box[1] - pad, f.box[2] - pad, f.box[3] - pad),
                    f.score,
                    tuple((x - pad, y - pad) for x, y in f.landmarks),
                )
                for f in self._cascade(PILImage.fromarray(padded))
            ]
        if shrink < 1.0:
            faces = [f.scaled(1.0 / shrink) for f in faces]
        faces.sort(key=lambda f: -(f.width * f.height) * f.score)
        return faces[:max_faces] if max_faces is not None else faces

    def _cascade(self, img: PILImage.Image) -> list[Face]:
        w, h = img.size
        arr = np.asarray(img, dtype=np.float32)
        m = 12.0 / self.min_face_size
        minl = min(h, w) * m
        scales: list[float] = []
        scale = m
        while minl >= 12:
            scales.append(scale)
            scale *= self.factor
            minl *= self.factor

        # Stage 1: proposals from the fully convolutional P-Net over the pyramid.
        found: list[npt.NDArray[np.float64]] = []
        for s in scales:
            sw, sh = int(w * s + 1), int(h * s + 1)
            scaled = (
                arr
                if (sw, sh) == (w, h)
                else np.asarray(img.resize((sw, sh), PILImage.Resampling.BILINEAR), dtype=np.float32)
            )
            reg, prob = self._pnet.run(None, {"input": _norm(scaled[None])})
            ys, xs = np.nonzero(prob[0, 1] >= self.thresholds[0])
            if ys.size == 0:
                continue
            q1x, q1y = np.floor((2 * xs + 1) / s), np.floor((2 * ys + 1) / s)
            q2x, q2y = np.floor((2 * xs + 12) / s), np.floor((2 * ys + 12) / s)
            cand = np.stack([q1x, q1y, q2x, q2y, prob[0, 1, ys, xs], *reg[0][:, ys, xs]], axis=1).astype(
                np.float64
            )
            found.append(cand[nms(cand[:, :4], cand[:, 4], 0.5)])
        if not found:
            return []
        boxes = np.concatenate(found)
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
        bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        boxes = np.stack(
            [
                boxes[:, 0] + boxes[:, 5] * bw,
                boxes[:, 1] + boxes[:, 6] * bh,
                boxes[:, 2] + boxes[:, 7] * bw,
                boxes[:, 3] + boxes[:, 8] * bh,
                boxes[:, 4],
            ],
            axis=1,
        )
        boxes = _square(boxes)

        # Stage 2: R-Net rejects most proposals and refines the rest.
        reg, prob = self._rnet.run(None, {"input": _norm(_patches(img, boxes, 24))})
        keep = prob[:, 1] > self.thresholds[1]
        boxes, reg = boxes[keep], reg[keep]
        if not len(boxes):
            return []
        boxes[:, 4] = prob[keep, 1]
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7)
        boxes = _square(_regress(boxes[pick], reg[pick]))

        # Stage 3: O-Net gives the final box, score and five landmarks.
        reg, marks, prob = self._onet.run(None, {"input": _norm(_patches(img, boxes, 48))})
        keep = prob[:, 1] > self.thresholds[2]
        boxes, reg, marks = boxes[keep], reg[keep], marks[keep]
        if not len(boxes):
            return []
        boxes[:, 4] = prob[keep, 1]
        bw = boxes[:, 2] - boxes[:, 0] + 1
        bh = boxes[:, 3] - boxes[:, 1] + 1
        px = bw[:, None] * marks[:, :5] + boxes[:, 0:1] - 1
        py = bh[:, None] * marks[:, 5:10] + boxes[:, 1:2] - 1
        boxes = _regress(boxes, reg)
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7, method="min")
        faces = []
        for i in pick:
            # Not clipped to the image: a face filling the frame keeps its true size for cropping.
            x1, y1, x2, y2 = (float(v) for v in boxes[i, :4])
            if x2 - x1 < 2 or y2 - y1 < 2 or not math.isfinite(x1 + y1 + x2 + y2):
                continue
            marks_i = tuple((float(px[i, k]), float(py[i, k])) for k in range(5))
            faces.append(Face((x1, y1, x2, y2), float(boxes[i, 4]), marks_i))
        return faces
