"""Peer adapter ``face.mesonet``: the published MesoNet (Afchar et al. 2018) run on synthguard's face crops.

Why: the bench compares ``face.manipulation`` with a published face-forgery detector on the same data
in one run. The weights are not shipped: the user points the detector at a Meso4 ONNX file
(``model_path=...`` or ``SYNTHGUARD_MESONET_ONNX``), e.g. ``meso4_df.onnx``: input ``input`` NHWC
``[N, 256, 256, 3]`` RGB in [0, 1], output ``dense_1`` = P(real). Faces are found and cropped exactly as
for ``face.manipulation`` (MTCNN, eye-levelled square, same margin) and resized to 256 px. The score is
``1 - P(real)``, uncalibrated on our data (the model's own operating point, 0.5). Image score = the
highest face score; video frames are scored one by one by the pipeline.

Example:
    >>> from synthguard.detectors import create_detector
    >>> create_detector("face.mesonet", model_path="meso4_df.onnx")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .._onnx import onnx_session
from ..errors import DetectorError, DetectorInputError
from ..faces import CropSpec, FaceDetector, align_crop, center_crop
from ..media import Image, Media
from ..results import Evidence, Region
from .base import Detector, DetectorCard, verify_weights
from .face import _model_card
from .registry import register_detector

__all__ = ["MesoNetDetector"]

_ENV = "SYNTHGUARD_MESONET_ONNX"


@register_detector("face.mesonet")
class MesoNetDetector(Detector):
    """MesoNet (Meso4) on each detected face; a peer for benchmarks, weights user-supplied.

    Args:
        model_path: the Meso4 ONNX file (default: ``$SYNTHGUARD_MESONET_ONNX``).
        assume_face: the image is already a face crop: score its centred square, no detection.
        max_faces: faces scored per image (largest first).
        threads: onnxruntime intra-op threads.
    """

    card = DetectorCard(
        name="face.mesonet",
        version="meso4-2018",
        modalities=("image",),
        description="Peer: published MesoNet Meso4 (Afchar et al. 2018) on synthguard's face crops; "
        "score = 1 - P(real).",
        threshold=0.5,
        input_spec="RGB image; face crops resized to 256x256, [0, 1]",
        training_data="Meso4_DF: the authors' Deepfake dataset (2018); see the weights' own documentation",
        licence="Apache-2.0 (weights user-supplied)",
        limitations="Published model, not calibrated on synthguard data; trained on 2018-era deepfakes.",
        default_enabled=False,
    )

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        assume_face: bool = False,
        max_faces: int = 8,
        threads: int | None = None,
    ) -> None:

        path = model_path or os.environ.get(_ENV)
        if not path:
            raise DetectorError(
                f"face.mesonet needs a user-supplied Meso4 ONNX file: pass model_path=... or set {_ENV}"
            )
        verify_weights(Path(path), None)
        self.session = onnx_session(path, threads, owner="face.mesonet")
        self.input_name = self.session.get_inputs()[0].name
        ours = _model_card().get("input", {}).get("crop", {})
        self.crop = CropSpec(size=256, margin=float(ours.get("margin", 0.9)))  # the same geometry as ours
        self.faces = FaceDetector(threads=threads)
        self.assume_face = assume_face
        self.max_faces = max_faces

    def detect(self, media: Media) -> Evidence:
        if not isinstance(media, Image):
            raise DetectorInputError(f"face.mesonet takes images (video frames), got {media.kind}")
        t0 = time.perf_counter()
        if self.assume_face:
            crops = [center_crop(media.pixels, self.crop)]
            boxes = [(0.0, 0.0, float(media.width), float(media.height))]
        else:
            found = self.faces.detect(media.pixels, max_faces=self.max_faces)
            if not found:
                return Evidence(
                    self.card.name,
                    self.card.version,
                    "image",
                    None,
                    self.card.threshold,
                    notes=("no face found",),
                    seconds=time.perf_counter() - t0,
                )
            crops = [align_crop(media.pixels, f, self.crop) for f in found]
            boxes = [f.box for f in found]
        x = np.stack([c.pixels for c in crops]).astype(np.float32) / 255.0
        p_real = self.session.run(None, {self.input_name: x})[0].reshape(-1)
        scores = np.clip(1.0 - p_real.astype(np.float64), 0.0, 1.0)
        regions = []
        for (x1, y1, x2, y2), s in zip(boxes, scores, strict=True):
            x1, y1 = max(0.0, x1), max(0.0, y1)
            x2, y2 = min(float(media.width), x2), min(float(media.height), y2)
            regions.append(Region(x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1), float(s)))
        ev = Evidence(
            self.card.name,
            self.card.version,
            "image",
            float(scores.max()),
            self.card.threshold,
            regions=tuple(regions),
            notes=(f"{len(regions)} face(s) scored",),
        )
        return replace(ev, seconds=time.perf_counter() - t0)
