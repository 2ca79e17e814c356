"""Media ingestion: every supported type loads; every bad-input class gets its typed error."""

from __future__ import annotations

import io
import struct
import zlib

import av
import numpy as np
import pytest
from PIL import Image as PILImage

from mediafactory import audio_bytes, image_bytes, tone, video_bytes
from synthguard.errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaError,
    MediaLimitError,
    UnsupportedMediaError,
)
from synthguard.media import Audio, FrameSampling, Image, Limits, Video, load, sniff


@pytest.mark.parametrize(
    ("fmt", "save", "expected"),
    [
        ("JPEG", {}, "jpeg"),
        ("PNG", {}, "png"),
        ("WEBP", {}, "webp"),
        ("GIF", {}, "gif"),
        ("BMP", {}, "bmp"),
        ("TIFF", {}, "tiff"),
        ("AVIF", {}, "avif"),
    ],
)
def test_images_load_as_rgb(fmt: str, save: dict[str, object], expected: str) -> None:
    img = load(image_bytes(fmt, (40, 30), **save))
    assert isinstance(img, Image)
    assert img.format == expected
    assert img.pixels.shape == (30, 40, 3) and img.pixels.dtype == np.uint8


def test_heic_loads_when_pillow_heif_is_installed() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    img = load(image_bytes("HEIF", (40, 30)))
    assert img.kind == "image" and img.format == "heif"


def test_animated_gif_gives_first_frame() -> None:
    frames = [PILImage.new("RGB", (20, 10), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    img = load(buf.getvalue())
    assert isinstance(img, Image)
    assert img.pixels[5, 5, 0] > 200 and img.pixels[5, 5, 2] < 50


def test_exif_orientation_is_applied() -> None:
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    buf = io.BytesIO()
    PILImage.new("RGB", (40, 20)).save(buf, "JPEG", exif=exif)
    img = load(buf.getvalue())
    assert (img.width, img.height) == (20, 40)


@pytest.mark.parametrize(
    ("fmt", "codec", "rate", "expected"),
    [
        ("wav", "pcm_s16le", 16000, "wav"),
        ("wav", "pcm_s16le", 44100, "wav"),
        ("flac", "flac", 22050, "flac"),
        ("mp3", "libmp3lame", 44100, "mp3"),
        ("adts", "aac", 16000, "aac"),
        ("ipod", "aac", 16000, "m4a"),
        ("ogg", "libopus", 48000, "ogg"),
    ],
)
def test_audio_loads_as_16k_mono(fmt: str, codec: str, rate: int, expected: str) -> None:
    audio = load(audio_bytes(fmt, codec, seconds=1.0, rate=rate, channels=2))
    assert isinstance(audio, Audio)
    assert audio.format == expected
    assert audio.sample_rate == 16000 and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.duration == pytest.approx(1.0, abs=0.12)
    assert audio.source_sample_rate == rate
    assert np.abs(audio.samples).max() <= 1.0


def test_long_audio_is_spilled_to_a_memory_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audio past the spill size is decoded into an unlinked temp file and served memory-mapped,
    with exactly the samples an in-memory decode gives."""
    import synthguard.media._load as loader

    data = audio_bytes("mp3", "libmp3lame", seconds=3.0, rate=44100, channels=2)
    in_memory = load(data)
    assert not isinstance(in_memory.samples, np.memmap)
    monkeypatch.setattr(loader, "_SPILL_SAMPLES", 8_000)  # half a second
    monkeypatch.setattr(loader, "_BLOCK", 5_000)  # clean-up crosses block edges
    spilled = load(data)
    assert isinstance(spilled, Audio) and isinstance(spilled.samples, np.memmap)
    assert spilled.samples.dtype == np.float32 and spilled.samples.shape == in_memory.samples.shape
    np.testing.assert_array_equal(np.asarray(spilled.samples), in_memory.samples)


def test_sample_sink_cleans_nan_and_clips_in_both_modes() -> None:
    from synthguard.media._load import _SampleSink

    chunk = np.array([0.5, np.nan, 2.0, -np.inf, -0.25], dtype=np.float32)
    for spill_after in (100, 3):
        sink = _SampleSink(spill_after=spill_after)
        sink.append(chunk)
        sink.append(chunk)
        out = np.asarray(sink.finish())
        np.testing.assert_array_equal(out, np.tile([0.5, 0.0, 1.0, -1.0, -0.25], 2).astype(np.float32))


@pytest.mark.parametrize(
    ("fmt", "codec", "expected"),
    [
        ("mp4", "libx264", "mp4"),
        ("mov", "libx264", "mov"),
        ("webm", "libvpx-vp9", "webm"),
        ("matroska", "libx264", "mkv"),
        ("avi", "mpeg4", "avi"),
    ],
)
def test_video_loads_frames_and_audio_track(fmt: str, codec: str, expected: str) -> None:
    video = load(video_bytes(fmt, codec, seconds=2.0, fps=10))
    assert isinstance(video, Video)
    assert video.format == expected
    assert (video.width, video.height) == (64, 48)
    assert 2 <= len(video.frames) <= 3  # 1 fps sampling
    assert video.frames[0].image.pixels.shape == (48, 64, 3)
    assert video.audio is not None and video.audio.duration == pytest.approx(2.0, abs=0.2)


def test_video_without_audio_has_no_track() -> None:
    video = load(video_bytes(audio=False))
    assert isinstance(video, Video) and video.audio is None


def test_frame_sampling_fps_and_cap() -> None:
    data = video_bytes(seconds=4.0, fps=10, audio=False)
    assert len(load(data, sampling=FrameSampling(fps=5.0)).frames) == 20  # type: ignore[union-attr]
    capped = load(data, sampling=FrameSampling(fps=10.0), limits=Limits(max_frames=8))
    assert isinstance(capped, Video) and len(capped.frames) <= 8
    assert capped.frames[-1].time > 2.5  # spread over the whole clip, not the first 8 frames


def test_keyframe_sampling() -> None:
    video = load(video_bytes(seconds=3.0, fps=10, audio=False), sampling=FrameSampling(mode="keyframes"))
    assert isinstance(video, Video)
    assert video.frames and all(f.keyframe for f in video.frames)


@pytest.mark.parametrize(
    ("rotation", "expected_shape"), [(90, (64, 48, 3)), (-90, (64, 48, 3)), (180, (48, 64, 3))]
)
def test_rotation_metadata_is_honoured(rotation: int, expected_shape: tuple[int, int, int]) -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=10)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        vs.set_display_rotation(rotation)
        for _ in range(5):
            px = np.zeros((48, 64, 3), np.uint8)
            px[:, :32] = (200, 30, 30)
            for p in vs.encode(av.VideoFrame.from_ndarray(px, format="rgb24")):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
    video = load(buf.getvalue())
    assert isinstance(video, Video)
    assert video.frames[0].image.pixels.shape == expected_shape
    assert (video.width, video.height) == expected_shape[1::-1]


def test_type_is_sniffed_not_taken_from_extension(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "holiday.mp3"
    path.write_bytes(image_bytes("PNG"))
    assert load(path).kind == "image"


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk_bytes(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    # A tiny file that declares a huge picture: a deflate stream of zeros would expand to gigabytes.
    idat = zlib.compress(b"\x00" * 100_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk_bytes(b"IHDR", ihdr)
        + chunk_bytes(b"IDAT", idat)
        + chunk_bytes(b"IEND", b"")
    )


def _wav_header_claiming(seconds: float) -> bytes:
    n = int(seconds * 16000) * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + n)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
        + b"data"
        + struct.pack("<I", n)
        + b"\x00" * 3200
    )


def _truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


BAD_INPUTS = [
    ("empty", b"", None, EmptyMediaError),
    ("text", b"hello, this is not media at all" * 4, None, UnsupportedMediaError),
    ("html polyglot-ish", b"<html><body>hi</body></html>" * 4, None, UnsupportedMediaError),
    ("truncated jpeg", _truncated(image_bytes("JPEG", (200, 200))), None, CorruptMediaError),
    ("truncated png", _truncated(image_bytes("PNG", (200, 200))), None, CorruptMediaError),
    ("png pixel bomb", _png_header(60000, 60000), None, MediaLimitError),
    ("too many pixels", image_bytes("PNG", (200, 200)), Limits(max_pixels=10_000), MediaLimitError),
    ("too many bytes", image_bytes("PNG", (64, 64)), Limits(max_bytes=100), MediaLimitError),
    ("wav header lies (truncated)", _wav_header_claiming(60.0), None, CorruptMediaError),
    ("too long audio", audio_bytes(seconds=3.0), Limits(max_duration=1.0), MediaLimitError),
    ("too long video", video_bytes(seconds=3.0, audio=False), Limits(max_duration=1.0), MediaLimitError),
    ("truncated mp4", _truncated(video_bytes(seconds=2.0), 0.3), None, MediaError),
    ("riff of unknown kind", b"RIFF\x10\x00\x00\x00XXXX" + b"\x00" * 40, None, UnsupportedMediaError),
    ("wav with no samples", audio_bytes(seconds=0.0), None, EmptyMediaError),
]


@pytest.mark.parametrize(
    ("data", "limits", "error"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_raises_typed_error(data: bytes, limits: Limits | None, error: type[MediaError]) -> None:
    with pytest.raises(error) as info:
        load(data, limits=limits)
    assert str(info.value)  # the message says what was wrong


def test_error_message_names_accepted_formats() -> None:
    with pytest.raises(UnsupportedMediaError, match="accepted: images: JPEG"):
        load(b"\x00\x01\x02\x03" * 20)


def test_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MediaError, match="no such file"):
        load(tmp_path / "nope.jpg")


def test_expect_kind_mismatch() -> None:
    with pytest.raises(UnsupportedMediaError, match="expected audio"):
        load(image_bytes(), expect="audio")


@pytest.mark.parametrize(
    ("head", "family", "fmt"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 12, "image", "jpeg"),
        (b"RIFF\x00\x00\x00\x00WAVE", "audio", "wav"),
        (b"RIFF\x00\x00\x00\x00WEBP", "image", "webp"),
        (b"\x00\x00\x00\x18ftypheic", "image", "heif"),
        (b"\x00\x00\x00\x18ftypM4A ", "audio", "m4a"),
        (b"\x00\x00\x00\x18ftypisom", "container", "mp4"),
        (b"ID3\x04", "audio", "mp3"),
        (b"fLaC", "audio", "flac"),
        (b"\x1a\x45\xdf\xa3\x01\x00webm", "container", "webm"),
        (b"nothing", "unknown", "unknown"),
    ],
)
def test_sniff(head: bytes, family: str, fmt: str) -> None:
    s = sniff(head)
    assert (s.family, s.format) == (family, fmt)


def test_audio_samples_match_source() -> None:
    audio = load(audio_bytes("wav", "pcm_s16le", seconds=0.5))
    assert isinstance(audio, Audio)
    ref = tone(0.5)
    assert np.abs(audio.samples[: len(ref)] - ref).max() < 1e-3


def test_truncated_image_is_refused_even_when_pillow_is_told_to_tolerate_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import PIL.ImageFile

    monkeypatch.setattr(PIL.ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as weasyprint does on import
    with pytest.raises(CorruptMediaError):
        load(image_bytes("JPEG", (200, 200))[:2000])
    assert PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True
