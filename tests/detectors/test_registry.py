"""The detector registry: register, create, list, cards; the test.* detectors."""

from __future__ import annotations

import numpy as np
import pytest

from synthguard.detectors import (
    Detector,
    DetectorCard,
    create_detector,
    detector_card,
    list_detectors,
    register_detector,
    verify_weights,
)
from synthguard.errors import DetectorError, DetectorInputError, ModelIntegrityError, UnknownDetectorError
from synthguard.media import Audio, Image
from synthguard.results import Evidence


def test_list_with_glob() -> None:
    names = list_detectors("test.*")
    assert {"test.constant", "test.image_saturation", "test.audio_energy"} <= set(names)
    assert names == sorted(names)
    assert list_detectors("nothing.*") == []


def test_create_and_card() -> None:
    det = create_detector("test.constant", score=0.7)
    ev = det.detect(Image(np.zeros((4, 4, 3), np.uint8)))
    assert ev.score == 0.7 and ev.detector == "test.constant"
    assert detector_card("test.constant").to_dict()["modalities"] == ["image", "audio"]


def test_unknown_detector_message_lists_known() -> None:
    with pytest.raises(UnknownDetectorError, match=r"registered: .*test\.constant"):
        create_detector("no.such")


def test_bad_constructor_arguments() -> None:
    with pytest.raises(DetectorError, match="cannot create"):
        create_detector("test.constant", nope=1)


def test_register_requires_matching_card() -> None:
    with pytest.raises(DetectorError, match="card"):

        @register_detector("custom.bad")
        class Bad(Detector):
            card = DetectorCard("other.name", "1", ("image",), "x")

            def detect(self, media):  # type: ignore[no-untyped-def]
                raise NotImplementedError


def test_register_duplicate_name_refused() -> None:
    with pytest.raises(DetectorError, match="already registered"):

        @register_detector("test.constant")
        class Dup(Detector):
            card = DetectorCard("test.constant", "9", ("image",), "x")

            def detect(self, media):  # type: ignore[no-untyped-def]
                raise NotImplementedError


def test_wrong_modality() -> None:
    with pytest.raises(DetectorInputError):
        create_detector("test.image_saturation").detect(Audio(np.zeros(100, np.float32)))


def test_energy_timeline() -> None:
    samples = np.concatenate([np.zeros(16000), 0.5 * np.ones(16000)]).astype(np.float32)
    ev: Evidence = create_detector("test.audio_energy").detect(Audio(samples))
    assert [round(s.score or 0, 2) for s in ev.segments] == [0.0, 0.5]
    assert ev.score == pytest.approx(0.5)


def test_verify_weights(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "m.onnx"
    f.write_bytes(b"abc")
    good = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert verify_weights(f, good) == f
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_weights(f, "0" * 64)
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_weights(tmp_path / "none.onnx", good)


def test_live_rooms_and_files_each_have_their_bundled_speech_model() -> None:
    from synthguard.live.session import DEFAULT_DETECTOR, LIVE_RULES, LIVE_THRESHOLDS

    files, live = create_detector("audio.synthetic_voice"), create_detector(DEFAULT_DETECTOR)
    assert DEFAULT_DETECTOR == "audio.synthetic_voice_live" and live.card.name == DEFAULT_DETECTOR
    assert files.card.default_enabled and not live.card.default_enabled  # a file scan runs one of them
    assert files.card.weights_sha256 != live.card.weights_sha256  # both verified against their cards on load
    assert DEFAULT_DETECTOR in LIVE_RULES and DEFAULT_DETECTOR in LIVE_THRESHOLDS
    speech = np.sin(2 * np.pi * 220 * np.arange(16_000) / 16_000).astype(np.float32)
    for det in (files, live):
        assert det.detect(Audio(speech)).score is None  # a steady tone is no speech, for either
