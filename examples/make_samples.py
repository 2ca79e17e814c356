"""Make the small sample files shipped in examples/media (run from the repository root).

Everything is generated here: a drawn picture, a sentence spoken by espeak-ng, and a short clip of a
moving drawn picture with that sentence as its sound. All three are computer-made, so detectors
should find them suspicious: a handy first check that the bundled models load and run.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

OUT = Path(__file__).parent / "media"


def picture(w: int = 320, h: int = 240, shift: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx + shift) % 256, (yy * 2) % 256, ((xx + yy) // 2 + shift) % 256], axis=-1).astype(np.uint8)
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    draw.ellipse((w // 3 + shift % 40, h // 4, w // 3 + 90 + shift % 40, h // 4 + 110), fill=(230, 190, 160))
    draw.rectangle((20, h - 60, w - 20, h - 20), outline=(255, 255, 255), width=3)
    return np.asarray(pil)


def speech(path: Path) -> None:
    text = "This sample sentence was spoken by a computer voice for synthguard."
    if shutil.which("espeak-ng"):
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "s.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True)
            with av.open(str(raw)) as src, av.open(str(path), "w", format="wav") as dst:
                out = dst.add_stream("pcm_s16le", rate=16000, layout="mono")
                rs = av.AudioResampler(format="s16", layout="mono", rate=16000)
                for frame in src.decode(audio=0):
                    for f in rs.resample(frame):
                        for p in out.encode(f):
                            dst.mux(p)
                for p in out.encode(None):
                    dst.mux(p)
    else:
        raise SystemExit("espeak-ng is needed to make sample.wav (apt-get install espeak-ng)")


def video(path: Path, voice: Path, fps: int = 10) -> None:
    """A moving drawn picture with the synthetic sentence from ``voice`` as its AAC sound track."""
    rate = 16000
    with av.open(str(voice)) as src:
        speech = np.concatenate([f.to_ndarray().reshape(-1) for f in src.decode(audio=0)]).astype(np.float32)
    speech = speech / 32768.0 if np.abs(speech).max() > 1.0 else speech
    seconds = len(speech) / rate
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
        vs.options = {"crf": "30"}
        aus = out.add_stream("aac", rate=rate, layout="mono")
        for i in range(int(seconds * fps)):
            for p in vs.encode(av.VideoFrame.from_ndarray(picture(shift=i * 4), format="rgb24")):
                out.mux(p)
        rs = av.AudioResampler(format=aus.format.name, layout="mono", rate=rate)
        for start in range(0, len(speech), 1024):
            frame = av.AudioFrame.from_ndarray(speech[None, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for f in rs.resample(frame):
                for p in aus.encode(f):
                    out.mux(p)
        for stream in (vs, aus):
            for p in stream.encode(None):
                out.mux(p)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    Image.fromarray(picture()).save(OUT / "sample.jpg", quality=85)
    speech(OUT / "sample.wav")
    video(OUT / "sample.mp4", OUT / "sample.wav")
    for f in sorted(OUT.iterdir()):
        print(f, f.stat().st_size)
