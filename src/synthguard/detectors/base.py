"""The one detector interface and the card every detector carries."""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ..errors import DetectorError, ModelIntegrityError
from ..media import Media
from ..results import Evidence

__all__ = ["MODELS_DIR", "Detector", "DetectorCard", "bundled_card", "candidate_card", "verify_weights"]

MODELS_DIR = resources.files("synthguard") / "models"

Modality = Literal["image", "video", "audio"]


@dataclass(frozen=True)
class DetectorCard:
    """What a detector is, what it was trained on and how well it measured.

    ``modalities`` lists the media kinds ``detect`` accepts directly. An image detector that does
    not list ``video`` is run by the pipeline on the sampled frames of a video; an audio detector
    on the video's audio track. ``threshold`` is the operating point on the calibrated score.
    ``default_enabled=False`` keeps a detector out of the default set (peers that need
    user-supplied weights): name it explicitly to run it.
    """

    name: str
    version: str
    modalities: tuple[Modality, ...]
    description: str
    threshold: float = 0.5
    input_spec: str = ""
    weights_file: str | None = None
    weights_sha256: str | None = None
    training_data: str = ""
    licence: str = "Apache-2.0"
    metrics: Mapping[str, float] = field(default_factory=dict)
    limitations: str = ""
    default_enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "modalities": list(self.modalities),
            "description": self.description,
            "threshold": self.threshold,
            "input_spec": self.input_spec,
            "weights_file": self.weights_file,
            "weights_sha256": self.weights_sha256,
            "training_data": self.training_data,
            "licence": self.licence,
            "metrics": dict(self.metrics),
            "limitations": self.limitations,
            "default_enabled": self.default_enabled,
        }


class Detector(abc.ABC):
    """Turns one medium into :class:`~synthguard.results.Evidence`. Nothing else lives here.

    Subclasses set ``card`` (a class attribute: the bundled model's card, what registries list) and
    implement ``detect``. An instance loaded from another model folder carries that model's card
    instead (:func:`candidate_card`). Thresholds and fusion belong to the policy; training belongs to
    ``synthguard.train``.
    """

    card: DetectorCard

    @abc.abstractmethod
    def detect(self, media: Media) -> Evidence:
        """Score one medium of a modality listed in ``card.modalities``."""


def verify_weights(path: Path, sha256: str | None) -> Path:
    """Check a bundled model file exists and matches its card's sha256; never downloads."""
    if not path.is_file():
        raise ModelIntegrityError(f"model file {path} is missing; reinstall synthguard or pass a local path")
    if sha256:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            raise ModelIntegrityError(
                f"model file {path} has sha256 {digest}, but its card expects {sha256}: "
                "the file is corrupt or was replaced"
            )
    return path


def bundled_card(subdir: str, filename: str = "card.json") -> dict[str, Any]:
    """The JSON card shipped beside a bundled model (``synthguard/models/<subdir>/<filename>``).

    An empty dict when the file is absent, so a detector module still imports (and its
    constructor then says the model is missing).
    """
    path = MODELS_DIR / subdir / filename
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def candidate_card(folder: str | Path, card: DetectorCard) -> tuple[dict[str, Any], DetectorCard]:
    """A model folder other than the bundled one (``model_dir=``): its ``card.json`` as a dict, and
    ``card`` with that folder's version, threshold, weights and metrics, so evidence reports the
    model that actually ran. The weights are not read here (see :func:`verify_weights`).

    Raises:
        DetectorError: no readable ``card.json`` in ``folder``.
    """
    path = Path(folder) / "card.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise DetectorError(f"{card.name}: no card.json in {folder}") from None
    except (OSError, ValueError) as exc:
        raise DetectorError(f"{card.name}: cannot read {path}: {exc}") from exc
    return data, replace(
        card,
        version=str(data.get("version", card.version)),
        threshold=float(data.get("threshold", card.threshold)),
        weights_file=data.get("weights_file"),
        weights_sha256=data.get("sha256"),
        metrics={k: float(v) for k, v in data.get("metrics", {}).items()},
    )
