"""``face.manipulation``: face swap / reenactment detection on every face of an image or video.

How it works: MTCNN (ONNX) finds faces and landmarks; each face becomes an eye-levelled square crop
(fixed margin, 192 px, the same geometry the model was trained on); a fine-tuned EfficientNet-Lite0
(ONNX) gives a logit, Platt-calibrated on DFDC val into a probability. In video, faces are tracked
across the sampled frames; each track's score is the mean of its top quarter of face scores, and the
video score is the highest track score. Evidence for a reviewer: face boxes (regions with frame index
and track id), per-frame scores, a JSON timeline per track and an occlusion heatmap PNG per flagged
face (how much the score drops when each patch is greyed out).

Example:
    >>> from synthguard.detectors import create_detector
    >>> from synthguard.media import Image
    >>> import numpy as np
    >>> ev = create_detector("face.manipulation").detect(Image(np.zeros((64, 64, 3), np.uint8)))
    >>> ev.score is None, ev.notes[0]
    (True, 'no face found')
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage

from .._onnx import onnx_session
from ..errors import DetectorError, DetectorInputError, ModelIntegrityError
from ..faces import MODELS_DIR, CropSpec, Face, FaceCrop, FaceDetector, FaceTracker, align_crop, center_crop
from ..media import Image, Media, Video
from ..results import Artifact, Evidence, FrameScore, Region
from .base import Detector, DetectorCard, verify_weights
from .registry import register_detector

__all__ = ["FaceClassifier", "FaceManipulationDetector", "aggregate_track"]

_CARD_FILE = MODELS_DIR / "face_manipulation_card.json"


def _model_card() -> dict[str, Any]:
    try:
        card: dict[str, Any] = json.loads(_CARD_FILE.read_text("utf-8"))
    except FileNotFoundError:  # a checkout without the model: the card still describes the detector
        card = {}
    return card


_MC = _model_card()


def aggregate_track(scores: Sequence[float]) -> float:
    """Track score: mean of the top quarter of its face scores (at least one).

    One odd frame cannot flag a person, yet a manipulation in a quarter of the frames does.

    Example:
        >>> aggregate_track([0.1, 0.2, 0.9, 0.8, 0.1, 0.1, 0.1, 0.1])
        0.85
    """
    if not scores:
        raise ValueError("no face scores")
    top = sorted(scores, reverse=True)[: max(1, math.ceil(len(scores) / 4))]
    return float(round(sum(top) / len(top), 12))


class FaceClassifier:
    """The bundled ONNX face classifier plus its calibration: crops in, calibrated P(manipulated) out.

    Args:
        model_dir: folder with ``face_manipulation.onnx`` and ``face_manipulation_card.json``.
        threads: onnxruntime intra-op threads (None: onnxruntime's default).
    """

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        folder = model_dir or MODELS_DIR
        try:
            card: dict[str, Any] = json.loads((folder / "face_manipulation_card.json").read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ModelIntegrityError(f"face model card missing in {folder}; reinstall synthguard") from exc
        path = verify_weights(folder / card["weights_file"], card["weights_sha256"])
        self._session = onnx_session(path, threads, owner="face.manipulation")
        self.a = float(card["calibration"]["a"])
        self.b = float(card["calibration"]["b"])
        self.crop = CropSpec(**card["input"]["crop"])
        self.threshold = float(card["threshold"])

    def logits(self, crops: npt.NDArray[np.uint8], batch: int = 32) -> npt.NDArray[np.float64]:
        """Raw logits of uint8 ``(N, S, S, 3)`` crops."""
        out = []
        for i in range(0, len(crops), batch):
            x = crops[i : i + batch].astype(np.float32).transpose(0, 3, 1, 2) / 255.0
            out.append(self._session.run(None, {"input": np.ascontiguousarray(x)})[0].reshape(-1))
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    def scores(self, crops: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
        """Calibrated P(manipulated) per crop."""
        z = self.a * self.logits(crops) + self.b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def occlusion(self, crop: npt.NDArray[np.uint8], grid: int = 6) -> npt.NDArray[np.float64]:
        """Score drop when each of ``grid`` x ``grid`` patches is greyed out: where the evidence is."""
        size = crop.shape[0]
        step = size // grid
        variants = [crop]
        for gy in range(grid):
            for gx in range(grid):
                v = crop.copy()
                v[gy * step : (gy + 1) * step, gx * step : (gx + 1) * step] = 128
                variants.append(v)
        s = self.scores(np.stack(variants))
        return np.clip(s[0] - s[1:], 0.0, None).reshape(grid, grid)


def heatmap_png(crop: npt.NDArray[np.uint8], drops: npt.NDArray[np.float64], score: float) -> bytes:
    """Side-by-side PNG: the face crop, and the crop with red where greying a patch lowered the score."""
    size = crop.shape[0]
    peak = float(drops.max())
    norm = drops / peak if peak > 1e-6 else drops * 0
    heat = (
        np.asarray(
            PILImage.fromarray((norm * 255).astype(np.uint8)).resize(
                (size, size), PILImage.Resampling.BILINEAR
            ),
            dtype=np.float32,
        )[..., None]
        / 255.0
    )
    red = np.array([255.0, 0.0, 0.0], dtype=np.float32)
    overlay = crop.astype(np.float32) * (1 - 0.6 * heat) + red * 0.6 * heat
    canvas = np.concatenate([crop, np.clip(overlay, 0, 255).astype(np.uint8)], axis=1)
    img = PILImage.fromarray(canvas)
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=_png_text({"score": f"{score:.4f}", "max_drop": f"{peak:.4f}"}))
    return buf.getvalue()


def _png_text(items: dict[str, str]) -> Any:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in items.items():
        info.add_text(k, v)
    return info


@dataclass(frozen=True, slots=True)
class _Scored:
    frame_index: int | None
    time: float | None
    face: Face | None
    crop: FaceCrop
    track_id: int | None
    score: float


@register_detector("face.manipulation")
class FaceManipulationDetector(Detector):
    """Scores every face (swap / reenactment) in an image or across a video's sampled frames.

    Args:
        assume_face: the image already is a face crop: skip face detection, score the centred square.
        max_faces: faces per image or frame (largest first); the rest are counted in a note.
        max_crops: faces classified per video at most (a crowd stays bounded in time).
        heatmaps: occlusion heatmaps made at most (one per flagged face / track, highest first);
            default ``$SYNTHGUARD_FACE_HEATMAPS`` or 3. Each costs 37 classifier runs.
        threads: onnxruntime intra-op threads.
        model_dir: folder with the classifier and its card (default: the bundled ``synthguard/models/faces``).
    """

    card = DetectorCard(
        name="face.manipulation",
        version=str(_MC.get("version", "0")),
        modalities=("image", "video"),
        description="Face swap / reenactment detector: MTCNN faces, eye-aligned crops, EfficientNet-Lite0 "
        "fine-tuned on DFDC, Platt-calibrated; per face, per track and per video scores.",
        threshold=float(_MC.get("threshold", 0.5)),
        input_spec="RGB image or video frames; faces >= ~40 px; crop "
        + json.dumps(_MC.get("input", {}).get("crop")),
        weights_file=_MC.get("weights_file"),
        weights_sha256=_MC.get("weights_sha256"),
        training_data=str(_MC.get("training_data", "")),
        licence=str(_MC.get("licence", "")),
        metrics={k: float(v) for k, v in _MC.get("metrics", {}).items()},
        limitations=str(_MC.get("limitations", "")),
    )

    def __init__(
        self,
        *,
        assume_face: bool = False,
        max_faces: int = 8,
        max_crops: int = 256,
        heatmaps: int | None = None,
        threads: int | None = None,
        model_dir: Path | None = None,
    ) -> None:
        if heatmaps is None:  # benchmarks switch the (costly) heatmaps off without a code path of their own
            heatmaps = int(os.environ.get("SYNTHGUARD_FACE_HEATMAPS", "3"))
        if max_faces < 1 or max_crops < 1 or heatmaps < 0:
            raise DetectorError("face.manipulation: max_faces and max_crops must be >= 1, heatmaps >= 0")
        self.classifier = FaceClassifier(model_dir, threads)
        self.faces = FaceDetector(threads=threads)
        self.assume_face = assume_face
        self.max_faces = max_faces
        self.max_crops = max_crops
        self.heatmaps = heatmaps

    def detect(self, media: Media) -> Evidence:
        t0 = time.perf_counter()
        if isinstance(media, Image):
            ev = self._image(media)
        elif isinstance(media, Video):
            ev = self._video(media)
        else:
            raise DetectorInputError(f"face.manipulation takes image or video, got {media.kind}")
        return Evidence(
            ev.detector,
            ev.detector_version,
            ev.modality,
            ev.score,
            ev.threshold,
            ev.regions,
            ev.frames,
            ev.segments,
            ev.artifacts,
            ev.notes,
            time.perf_counter() - t0,
        )

    # -------------------------------------------------------------- image
    def _image(self, image: Image) -> Evidence:
        spec = self.classifier.crop
        notes: list[str] = []
        if self.assume_face:
            crops = [center_crop(image.pixels, spec)]
            faces: list[Face | None] = [None]
            notes.append("assume_face: the whole image was scored as one face crop (no face detection)")
        else:
            found = self.faces.detect(image.pixels)
            if not found:
                return self._empty("image", ["no face found"])
            if len(found) > self.max_faces:
                notes.append(f"{len(found)} faces found; only the {self.max_faces} largest were scored")
            faces = list(found[: self.max_faces])
            crops = [align_crop(image.pixels, f, spec) for f in faces if f is not None]
        scores = self.classifier.scores(np.stack([c.pixels for c in crops]))
        scored = [
            _Scored(None, None, f, c, None, float(s)) for f, c, s in zip(faces, crops, scores, strict=True)
        ]
        regions = tuple(self._region(s, image.width, image.height) for s in scored)
        artifacts = self._heatmaps(sorted(scored, key=lambda s: -s.score))
        notes.append(f"{len(scored)} face(s) scored; image score = highest face score")
        return Evidence(
            self.card.name,
            self.card.version,
            "image",
            float(scores.max()),
            self.card.threshold,
            regions=regions,
            artifacts=artifacts,
            notes=tuple(notes),
        )

    # -------------------------------------------------------------- video
    def _video(self, video: Video) -> Evidence:
        spec = self.classifier.crop
        tracker = FaceTracker()
        pending: list[tuple[int, float, Face, FaceCrop, int]] = []
        dropped = capped = 0
        faces_per_frame: dict[int, int] = {}
        for vf in video.frames:
            if len(pending) >= self.max_crops:
                capped += 1
                continue
            if self.assume_face:  # every frame is one face crop: one track, no detection
                found = [Face((0.0, 0.0, float(vf.image.width), float(vf.image.height)), 1.0)]
            else:
                found = self.faces.detect(vf.image.pixels)
            dropped += max(0, len(found) - self.max_faces)
            found = found[: self.max_faces][: self.max_crops - len(pending)]
            faces_per_frame[vf.index] = len(found)
            for tf in tracker.update(vf.index, vf.time, found):
                if self.assume_face:
                    crop = center_crop(vf.image.pixels, spec)
                else:
                    crop = align_crop(vf.image.pixels, tf.face, spec)
                pending.append((vf.index, vf.time, tf.face, crop, tf.track_id))
        notes: list[str] = []
        if dropped:
            notes.append(f"{dropped} face detection(s) beyond {self.max_faces} per frame were not scored")
        if capped:
            notes.append(
                f"face budget of {self.max_crops} crops reached: {capped} sampled frame(s) not analysed"
            )
        if not pending:
            return self._empty("video", [f"no face found in {len(video.frames)} sampled frame(s)", *notes])
        scores = self.classifier.scores(np.stack([p[3].pixels for p in pending]))
        scored = [
            _Scored(i, t, f, c, tid, float(s)) for (i, t, f, c, tid), s in zip(pending, scores, strict=True)
        ]

        by_track: dict[int, list[_Scored]] = {}
        for s in scored:
            by_track.setdefault(s.track_id or 0, []).append(s)
        longest = max(len(v) for v in by_track.values())
        track_rows: list[dict[str, Any]] = []
        for tid, items in sorted(by_track.items()):
            agg = aggregate_track([s.score for s in items])
            top = sorted(items, key=lambda s: -s.score)[: max(1, math.ceil(len(items) / 4))]
            track_rows.append(
                {
                    "track_id": tid,
                    "score": agg,
                    "faces": len(items),
                    "driving_frames": sorted(s.frame_index for s in top if s.frame_index is not None),
                    "timeline": [
                        {
                            "frame_index": s.frame_index,
                            "time": s.time,
                            "score": s.score,
                            "box": list(s.face.box) if s.face else None,
                        }
                        for s in items
                    ],
                }
            )
        # A track seen once in a long video is more likely a false detection than a person: when some
        # track has at least 2 faces, tracks of a single face do not decide the video score.
        deciding = [r for r in track_rows if r["faces"] >= 2 or longest < 2]
        best = max(deciding, key=lambda r: r["score"])
        score = float(best["score"])
        for r in track_rows:
            notes.append(
                f"track {r['track_id']}: {r['faces']} face(s), score {r['score']:.3f}, "
                f"driven by frames {r['driving_frames']}"
            )
        notes.append(f"video score = track {best['track_id']} (highest track score)")

        frames = []
        for vf in video.frames:
            in_frame = [s.score for s in scored if s.frame_index == vf.index]
            frames.append(FrameScore(vf.index, vf.time, max(in_frame) if in_frame else None))
        regions = tuple(self._region(s, video.width, video.height) for s in scored)
        timeline = json.dumps(
            {
                "detector": self.card.name,
                "video_score": score,
                "threshold": self.card.threshold,
                "tracks": track_rows,
            },
            indent=1,
        ).encode()
        # One heatmap per flagged track (its highest-scoring face), best tracks first.
        heads = [
            max(by_track[r["track_id"]], key=lambda s: s.score)
            for r in sorted(track_rows, key=lambda r: -r["score"])
        ]
        artifacts = (
            Artifact("face-timeline.json", "timeline", "application/json", timeline),
            *self._heatmaps(heads),
        )
        return Evidence(
            self.card.name,
            self.card.version,
            "video",
            score,
            self.card.threshold,
            regions=regions,
            frames=tuple(frames),
            artifacts=artifacts,
            notes=tuple(notes),
        )

    # -------------------------------------------------------------- helpers
    def _heatmaps(self, ordered: Sequence[_Scored]) -> tuple[Artifact, ...]:
        out: list[Artifact] = []
        for s in ordered:
            if len(out) >= self.heatmaps or s.score < self.card.threshold:
                break
            drops = self.classifier.occlusion(s.crop.pixels)
            name = "face-heatmap"
            if s.track_id is not None:
                name += f"-track{s.track_id}"
            if s.frame_index is not None:
                name += f"-frame{s.frame_index}"
            out.append(
                Artifact(
                    f"{name}-{len(out)}.png",
                    "heatmap",
                    "image/png",
                    heatmap_png(s.crop.pixels, drops, s.score),
                )
            )
        return tuple(out)

    @staticmethod
    def _region(s: _Scored, width: int, height: int) -> Region:
        if s.face is None:
            x1, y1, x2, y2 = 0.0, 0.0, float(width), float(height)
        else:
            x1, y1 = max(0.0, s.face.box[0]), max(0.0, s.face.box[1])
            x2, y2 = min(float(width), s.face.box[2]), min(float(height), s.face.box[3])
        return Region(
            x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1), s.score, "face", s.frame_index, s.time, s.track_id
        )

    def _empty(self, modality: Literal["image", "video"], notes: Sequence[str]) -> Evidence:
        return Evidence(
            self.card.name,
            self.card.version,
            modality,
            None,
            self.card.threshold,
            notes=tuple(notes),
        )
