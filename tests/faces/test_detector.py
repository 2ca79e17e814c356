"""face.manipulation: output structure for images and videos, no-face answers, caps, model integrity."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from synthguard.detectors import create_detector, detector_card, list_detectors
from synthguard.detectors.face import FaceClassifier, aggregate_track
from synthguard.errors import DetectorInputError, ModelIntegrityError
from synthguard.faces import MODELS_DIR
from synthguard.media import Audio, Image, Video, VideoFrame, load


def _video(frames: list[np.ndarray], fps: float = 1.0) -> Video:
    h, w = frames[0].shape[:2]
    vfs = tuple(VideoFrame(i, float(i), Image(f)) for i, f in enumerate(frames))
    return Video(vfs, fps, float(len(frames)), w, h)


@pytest.fixture(scope="module")
def detector():  # type: ignore[no-untyped-def]
    return create_detector("face.manipulation", threads=1)


def test_registered_with_card() -> None:
    assert "face.manipulation" in list_detectors("face.*")
    card = detector_card("face.manipulation")
    assert card.modalities == ("image", "video")
    assert 0.0 < card.threshold < 1.0
    assert card.weights_sha256 and card.weights_file
    assert "DFDC" in card.training_data


def test_model_files_match_their_cards() -> None:
    mc = json.loads((MODELS_DIR / "face_manipulation_card.json").read_text())
    model = MODELS_DIR / mc["weights_file"]
    assert hashlib.sha256(model.read_bytes()).hexdigest() == mc["weights_sha256"]
    assert model.stat().st_size < 20 * 1024 * 1024
    mtcnn = json.loads((MODELS_DIR / "mtcnn_card.json").read_text())
    for name, info in mtcnn["files"].items():
        assert hashlib.sha256((MODELS_DIR / name).read_bytes()).hexdigest() == info["sha256"]


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    for p in MODELS_DIR.glob("face_manipulation*"):
        shutil.copy(p, tmp_path / p.name)
    model = tmp_path / "face_manipulation.onnx"
    model.write_bytes(model.read_bytes()[:-1] + b"\0")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        FaceClassifier(tmp_path)


@pytest.mark.parametrize(
    ("media", "note"),
    [
        (Image(np.zeros((64, 64, 3), np.uint8)), "no face found"),
        (Image(np.full((300, 500, 3), 127, np.uint8)), "no face found"),
        (_video([np.zeros((90, 160, 3), np.uint8)] * 3), "no face found in 3 sampled frame(s)"),
    ],
)
def test_no_face_is_an_answer(detector, media, note: str) -> None:  # type: ignore[no-untyped-def]
    ev = detector.detect(media)
    assert ev.score is None and not ev.flagged
    assert ev.notes[0] == note
    assert ev.regions == () and ev.artifacts == ()


def test_rejects_audio(detector) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DetectorInputError):
        detector.detect(Audio(np.zeros(1600, np.float32)))


def _noise(seed: int, shape: tuple[int, int] = (160, 160)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (*shape, 3), dtype=np.uint8)


def test_assume_face_image_structure() -> None:
    det = create_detector("face.manipulation", assume_face=True, heatmaps=1, threads=1)
    ev = det.detect(Image(_noise(0, (120, 100))))
    assert ev.score is not None and 0.0 <= ev.score <= 1.0
    assert len(ev.regions) == 1
    r = ev.regions[0]
    assert (r.x, r.y, r.width, r.height, r.score) == (0.0, 0.0, 100.0, 120.0, ev.score)
    assert any("assume_face" in n for n in ev.notes)
    for art in ev.artifacts:  # a heatmap only when flagged
        assert art.kind == "heatmap" and art.media_type == "image/png"
        assert PILImage.open(io.BytesIO(art.data)).size == (2 * 192, 192)
    assert ev.to_dict()["score"] == ev.score


def test_assume_face_video_tracks_and_timeline() -> None:
    det = create_detector("face.manipulation", assume_face=True, heatmaps=1, threads=1)
    ev = det.detect(_video([_noise(i) for i in range(4)]))
    assert ev.modality == "video" and ev.score is not None
    assert [f.index for f in ev.frames] == [0, 1, 2, 3]
    assert all(f.score is not None for f in ev.frames)
    assert {r.track_id for r in ev.regions} == {0}
    assert [r.frame_index for r in ev.regions] == [0, 1, 2, 3]
    timeline = next(a for a in ev.artifacts if a.name == "face-timeline.json")
    data = json.loads(timeline.data)
    assert data["video_score"] == ev.score
    (track,) = data["tracks"]
    assert track["faces"] == 4 and len(track["timeline"]) == 4
    assert track["score"] == pytest.approx(
        aggregate_track([f.score for f in ev.frames if f.score is not None])
    )
    assert track["driving_frames"]


def test_crop_budget_is_reported() -> None:
    det = create_detector("face.manipulation", assume_face=True, max_crops=2, heatmaps=0, threads=1)
    ev = det.detect(_video([_noise(i, (64, 64)) for i in range(5)]))
    assert len(ev.regions) == 2
    assert any("budget of 2 crops" in n and "3 sampled frame(s)" in n for n in ev.notes)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([0.4], 0.4), ([0.1, 0.9], 0.9), ([0.1] * 6 + [0.9, 0.7], 0.8), ([0.5] * 8, 0.5)],
)
def test_aggregate_track(scores: list[float], expected: float) -> None:
    assert aggregate_track(scores) == pytest.approx(expected)


@pytest.mark.parametrize("kwargs", [{"max_faces": 0}, {"max_crops": 0}, {"heatmaps": -1}])
def test_rejects_bad_options(kwargs: dict) -> None:
    from synthguard.errors import DetectorError

    with pytest.raises(DetectorError):
        create_detector("face.manipulation", **kwargs)


@pytest.mark.data
def test_real_faces_are_found_and_scored(detector, dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    for pixels, _label in dfdc_faces:
        ev = detector.detect(Image(pixels))
        assert ev.score is not None, ev.notes
        assert len(ev.regions) == 1
        r = ev.regions[0]
        assert r.width > 100 and r.height > 100
        assert r.x >= 0 and r.x + r.width <= pixels.shape[1] + 1e-6


@pytest.mark.data
def test_real_face_video_one_track(detector, dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    face = np.asarray(PILImage.fromarray(dfdc_faces[0][0]).resize((160, 160)))
    video = load(face_video_bytes(face))
    assert isinstance(video, Video) and len(video.frames) >= 3
    ev = detector.detect(video)
    assert ev.score is not None, ev.notes
    assert {r.track_id for r in ev.regions} == {0}, "one person must give one track"
    assert sorted({r.frame_index for r in ev.regions}) == [f.index for f in video.frames]
    assert all(r.time is not None for r in ev.regions)
    assert any(a.name == "face-timeline.json" for a in ev.artifacts)


def face_video_bytes(
    face: np.ndarray, *, seconds: int = 4, fps: int = 10, size: tuple[int, int] = (480, 360)
) -> bytes:
    """An H.264 MP4 of one face moving slowly across a grey background (made with PyAV)."""
    import io

    import av

    w, h = size
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        fh, fw = face.shape[:2]
        for i in range(seconds * fps):
            frame = np.full((h, w, 3), 90, np.uint8)
            x = 40 + i * 3
            frame[60 : 60 + fh, x : x + fw] = face
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


@pytest.mark.data
def test_scan_pipeline_runs_face_detector_on_whole_video(dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    from synthguard.pipeline import Scanner

    face = np.asarray(PILImage.fromarray(dfdc_faces[5][0]).resize((150, 150)))
    seen: list[str] = []

    def hook(step, payload, *, completed=None, total=None):  # type: ignore[no-untyped-def]
        if step == "artifact":
            seen.append(payload[1].name)

    report = Scanner(["face.manipulation"], read_provenance=False).scan(
        face_video_bytes(face, seconds=3), hook=hook
    )
    ev = report.evidence_for("face.manipulation")
    assert ev is not None and ev.modality == "video" and ev.score is not None
    assert "face-timeline.json" in seen


@pytest.mark.data
def test_crowd_is_capped_and_reported(dfdc_faces) -> None:  # type: ignore[no-untyped-def]
    tiles = [np.asarray(PILImage.fromarray(p).resize((110, 110))) for p, _ in dfdc_faces]
    canvas = np.full((2 * 150, 4 * 150, 3), 80, np.uint8)
    for k, tile in enumerate(tiles):
        y, x = 20 + 150 * (k // 4), 20 + 150 * (k % 4)
        canvas[y : y + 110, x : x + 110] = tile
    det = create_detector("face.manipulation", max_faces=3, heatmaps=0, threads=1)
    ev = det.detect(Image(canvas))
    assert len(ev.regions) == 3
    assert any("only the 3 largest were scored" in n for n in ev.notes), ev.notes
