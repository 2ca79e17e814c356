"""synthguard: find deepfakes and label AI-generated content the way platforms must.

Example:
    >>> import synthguard
    >>> report = synthguard.scan("examples/media/sample.jpg")  # doctest: +SKIP
    >>> report.verdict.decision, report.verdict.aigc_label  # doctest: +SKIP
    ('label', '3')
"""

from . import errors
from ._version import __version__
from .detectors import Detector, DetectorCard, create_detector, list_detectors, register_detector
from .media import Audio, FrameSampling, Image, Limits, Video, load
from .pipeline import Scanner, scan
from .policy import Policy, Signals
from .results import SCHEMA_VERSION, Artifact, Evidence, MediaInfo, Region, ScanReport, Segment, Verdict

__all__ = [
    "SCHEMA_VERSION",
    "Artifact",
    "Audio",
    "Detector",
    "DetectorCard",
    "Evidence",
    "FrameSampling",
    "Image",
    "Limits",
    "MediaInfo",
    "Policy",
    "Region",
    "ScanReport",
    "Scanner",
    "Segment",
    "Signals",
    "Verdict",
    "Video",
    "__version__",
    "create_detector",
    "errors",
    "list_detectors",
    "load",
    "register_detector",
    "scan",
]
