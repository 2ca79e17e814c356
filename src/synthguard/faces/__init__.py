"""Faces: MTCNN detection with five landmarks, eye-levelled fixed-margin crops, tracking over frames.

Runs on onnxruntime + numpy only (the bundled MTCNN ONNX files come from ``facenet-pytorch``).

Example:
    >>> import numpy as np
    >>> from synthguard.faces import FaceDetector, align_crop, CropSpec
    >>> pixels = np.zeros((120, 160, 3), np.uint8)
    >>> [align_crop(pixels, f, CropSpec()) for f in FaceDetector().detect(pixels)]
    []
"""

from ._align import CropSpec, FaceCrop, align_crop, center_crop, crop_affine
from ._mtcnn import MODELS_DIR, Face, FaceDetector
from ._nms import iou, nms
from ._track import FaceTracker, Track, TrackedFace, track_faces

__all__ = [
    "MODELS_DIR",
    "CropSpec",
    "Face",
    "FaceCrop",
    "FaceDetector",
    "FaceTracker",
    "Track",
    "TrackedFace",
    "align_crop",
    "center_crop",
    "crop_affine",
    "iou",
    "nms",
    "track_faces",
]
