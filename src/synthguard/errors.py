"""The one exception tree of synthguard.

Every error synthguard raises on purpose derives from :class:`SynthguardError`. Errors from
outside libraries (PyAV, Pillow, onnxruntime, c2pa, ...) are mapped onto this tree with
``raise ... from`` so callers need to catch only these classes.

"No manifest", "no watermark", "no face" and "no speech" are normal results, never exceptions.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorruptMediaError",
    "DetectorError",
    "DetectorInputError",
    "EmptyMediaError",
    "MediaError",
    "MediaLimitError",
    "ModelIntegrityError",
    "PolicyError",
    "ProvenanceError",
    "SynthguardError",
    "UnknownDetectorError",
    "UnsupportedMediaError",
]


class SynthguardError(Exception):
    """Base class of every error synthguard raises."""


class ConfigError(SynthguardError):
    """A setting, file path or option is missing or invalid."""


class MediaError(SynthguardError):
    """The input media cannot be used. The message says what was wrong and what is accepted."""


class UnsupportedMediaError(MediaError):
    """The content is not a supported image, video or audio format, or uses an unsupported codec."""


class CorruptMediaError(MediaError):
    """The content claims a supported format but is truncated or damaged."""


class EmptyMediaError(MediaError):
    """The content has no usable stream: zero bytes, no frames, no samples."""


class MediaLimitError(MediaError):
    """The content exceeds a configured limit (bytes, pixels, duration, frames)."""


class DetectorError(SynthguardError):
    """A detector cannot be created or run."""


class UnknownDetectorError(DetectorError, KeyError):
    """No detector is registered under the requested name."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "unknown detector"


class DetectorInputError(DetectorError):
    """A detector was given media of a modality it does not accept."""


class ModelIntegrityError(DetectorError):
    """A bundled model file is missing or its sha256 does not match its card."""


class ProvenanceError(SynthguardError):
    """Provenance metadata cannot be read or written (not: "there is none")."""


class PolicyError(SynthguardError):
    """A policy file or decision request is invalid."""
