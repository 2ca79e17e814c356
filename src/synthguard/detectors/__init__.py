"""Detectors: one interface (:class:`Detector`), one registry, cards that describe each model."""

from .base import Detector, DetectorCard, verify_weights
from .registry import create_detector, detector_card, list_detectors, register_detector

__all__ = [
    "Detector",
    "DetectorCard",
    "create_detector",
    "detector_card",
    "list_detectors",
    "register_detector",
    "verify_weights",
]
