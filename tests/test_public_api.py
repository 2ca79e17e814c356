"""The public API is pinned: changing it is a deliberate act."""

import synthguard


def test_all_is_pinned() -> None:
    assert sorted(synthguard.__all__) == sorted(
        [
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
    )
    for name in synthguard.__all__:
        assert hasattr(synthguard, name), name


def test_errors_share_one_root() -> None:
    from synthguard import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.SynthguardError)
