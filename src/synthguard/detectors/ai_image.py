"""``image.ai_generated``: was this whole image made by an image generator?

Two members, both ONNX files shipped in ``synthguard/models/images``:

- a small CNN scores 64 px patches cut at native resolution on a grid. Its first layer is a fixed
  high-pass filter, so it sees noise residuals (generator upsampling and denoising traces) rather
  than colours or scene content; its per-patch scores become a heatmap PNG artifact and the most
  suspicious patches are returned as regions;
- since model 2.0, a linear probe on frozen EfficientNet-Lite0 features read at native resolution
  (up to four 256 px crops, five depths pooled), which keeps its evidence when an image has been
  down-scaled, where the patch CNN loses most of it.

The image score is a logistic fusion of the two mean logits fitted on the val split (a model card
with Platt calibration of the CNN alone, as 1.0.0's, still loads). Large images cost the same as
small ones: at most ``max_patches`` patches and four crops are scored (never the whole 40 MP grid).
Trained, calibrated and documented by ``synthguard train images``.

Example:
    >>> import numpy as np
    >>> from synthguard.detectors import create_detector
    >>> from synthguard.media import Image
    >>> px = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    >>> ev = create_detector("image.ai_generated").detect(Image(px))
    >>> 0.0 <= ev.score <= 1.0, ev.artifacts[0].media_type
    (True, 'image/png')
"""

from __future__ import annotations

import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._onnx import onnx_session, ort_threads
from ..errors import DetectorError, DetectorInputError
from ..media import Image, Media
from ..results import Artifact, Evidence, Region
from ._image_features import grid_patches, heatmap_png, probe_batch
from .base import Detector, DetectorCard, bundled_card, candidate_card, verify_weights
from .registry import register_detector

__all__ = ["AIImageDetector"]

MODEL_DIR = resources.files("synthguard") / "models" / "images"
_TOP_REGIONS = 5


@cache
def _card_json() -> dict[str, Any]:
    return bundled_card("images")


def _card() -> DetectorCard:
    c = _card_json()
    return DetectorCard(
        name="image.ai_generated",
        version=str(c.get("version", "0")),
        modalities=("image",),
        description="Fully AI-generated image detector: high-pass residual CNN on native-resolution "
        "64 px patches"
        + (" fused with an EfficientNet-Lite0 feature probe" if c.get("probe") else "")
        + ", calibrated image score and a patch heatmap.",
        threshold=float(c.get("threshold", 0.5)),
        input_spec="RGB image of any size (images under 64 px are upscaled and unreliable); at most "
        f"{c.get('max_patches', 64)} patches are scored",
        weights_file=c.get("weights_file"),
        weights_sha256=c.get("sha256"),
        training_data=str(c.get("training_data", "")),
        licence="Apache-2.0 (code); model: research use, see card.json terms",
        metrics={k: float(v) for k, v in c.get("metrics", {}).items()},
        limitations=str(c.get("limitations", "")),
    )


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0))), dtype=np.float64)


@register_detector("image.ai_generated")
class AIImageDetector(Detector):
    """Scores native-resolution patches (and crops, for the probe member) and fuses the logits.

    Args:
        model_path: another patch-CNN ONNX file with the same input/output (default: the bundled
            model, checked against the card's sha256). It is then used alone, Platt-calibrated
            with ``calibration`` (the card's CNN-only calibration when it has one).
        model_dir: a folder with another ``card.json`` and the files it names (a candidate written by
            ``synthguard train images --no-export --work DIR``); sha256s are checked as for the
            bundled model, and evidence reports that card's version and threshold.
        calibration: ``(a, b)`` for a ``model_path`` CNN: score = sigmoid(a * mean logit + b).
        max_patches: most patches scored per image (default from the card, 64). Bounds time and
            memory whatever the image size.
        threads: onnxruntime intra-op threads (default 1, or ``SYNTHGUARD_ORT_THREADS``).
        heatmap: return the patch heatmap PNG artifact (default True; ~5 ms).
    """

    card = _card()

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        model_dir: str | Path | None = None,
        calibration: tuple[float, float] | None = None,
        max_patches: int | None = None,
        threads: int | None = None,
        heatmap: bool = True,
    ) -> None:
        if model_dir is not None and model_path is not None:
            raise DetectorError("image.ai_generated: pass model_dir or model_path, not both")
        folder = Path(model_dir) if model_dir is not None else Path(str(MODEL_DIR))
        c = _card_json()
        if model_dir is not None:
            c, self.card = candidate_card(folder, self.card)
        cal = c.get("calibration", {})
        if model_path is None:
            if not c.get("weights_file"):
                raise DetectorError(
                    "image.ai_generated: no bundled model (card.json missing); "
                    "run `synthguard train images` or pass model_path / model_dir"
                )
            path = verify_weights(folder / str(c["weights_file"]), c.get("sha256"))
        else:
            path = verify_weights(Path(model_path), None)
        self._probe_session: Any = None
        if model_path is None and cal.get("method") == "logistic_fusion":
            probe = c.get("probe", {})
            ppath = verify_weights(folder / str(probe.get("weights_file", "")), probe.get("sha256"))
            self._probe_session = onnx_session(ppath, ort_threads(threads), owner=self.card.name)
            self._crop = int(probe.get("crop", 256))
            self._max_crops = int(probe.get("max_crops", 4))
            self._min_side = int(probe.get("min_side", 64))
            self._a, self._w_probe, self._b = float(cal["w_cnn"]), float(cal["w_probe"]), float(cal["b"])
        else:  # the CNN alone: a 1.0-style card, or another CNN file with the card's CNN-only calibration
            a, b = calibration or cal.get("cnn_only", (cal.get("a", 1.0), cal.get("b", 0.0)))
            self._a, self._w_probe, self._b = float(a), 0.0, float(b)
        self._patch = int(c.get("patch", 64))
        self._max_patches = int(max_patches or c.get("max_patches", 64))
        if self._max_patches < 1:
            raise DetectorError("max_patches must be >= 1")
        self._heatmap = heatmap
        self._session = onnx_session(path, ort_threads(threads), owner=self.card.name)

    def patch_logits(self, patches: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
        """Raw (uncalibrated) logits of uint8 patches shaped (n, size, size, 3)."""
        x = np.ascontiguousarray(patches.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)
        out = self._session.run(None, {"patches": x})[0]
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def probe_logit(self, pixels: npt.NDArray[np.uint8]) -> float | None:
        """Mean logit of the backbone-probe member over its crops (None without that member)."""
        if self._probe_session is None:
            return None
        x = probe_batch(pixels, self._crop, self._max_crops, min_side=self._min_side)
        return float(np.mean(self._probe_session.run(None, {"crops": x})[0]))

    def detect(self, media: Media) -> Evidence:
        if not isinstance(media, Image):
            raise DetectorInputError(
                f"image.ai_generated takes an image, got {media.kind} (videos are scored frame by frame "
                "by the pipeline)"
            )
        t0 = time.perf_counter()
        px = np.asarray(media.pixels, dtype=np.uint8)
        grid = grid_patches(px, self._patch, self._max_patches)
        logits = self.patch_logits(grid.patches)
        probe = self.probe_logit(px)
        offset = self._b + (self._w_probe * probe if probe is not None else 0.0)
        score = float(_sigmoid(np.array([self._a * logits.mean() + offset]))[0])
        patch_scores = _sigmoid(self._a * logits + offset)
        notes = [
            f"scored {len(logits)} of {grid.grid_shape[0] * grid.grid_shape[1]} "
            f"{self._patch}px patches at native resolution"
        ]
        if probe is not None:
            notes.append(
                f"members: patch CNN mean logit {logits.mean():+.2f} (weight {self._a:.2f}), "
                f"backbone probe logit {probe:+.2f} (weight {self._w_probe:.2f})"
            )
        if grid.scale > 1.0:
            notes.append(
                f"image smaller than {self._patch}px was upscaled x{grid.scale:.2f}: "
                "the score is not reliable"
            )
        notes.append(
            "patch scores in regions/heatmap share the image calibration (each is the image score "
            "if every patch looked like that one); they show where the evidence lies, they are not "
            "calibrated on their own"
        )
        eff = self._patch / grid.scale
        gr, gc = grid.grid_shape
        oy, ox = (px.shape[0] - gr * eff) / 2.0, (px.shape[1] - gc * eff) / 2.0
        top = np.argsort(-patch_scores)[:_TOP_REGIONS]
        regions = tuple(
            Region(
                x=float(ox + grid.cols[i] * eff),
                y=float(oy + grid.rows[i] * eff),
                width=float(eff),
                height=float(eff),
                score=float(patch_scores[i]),
                label="ai_patch",
            )
            for i in top
        )
        artifacts: tuple[Artifact, ...] = ()
        if self._heatmap:
            artifacts = (
                Artifact(
                    "ai_image_heatmap.png", "heatmap", "image/png", data=heatmap_png(px, grid, patch_scores)
                ),
            )
        return Evidence(
            self.card.name,
            self.card.version,
            "image",
            score,
            self.card.threshold,
            regions=regions,
            artifacts=artifacts,
            notes=tuple(notes),
            seconds=time.perf_counter() - t0,
        )
