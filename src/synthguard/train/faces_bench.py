"""Speed fixtures for ``docs/benchmarks/faces.md``: a 60 s 720p face video, and classifier-alone throughput.

Run:
    python -m synthguard.train.faces_bench video var/faces/speed_720p.mp4 ../shared/data/faces/dfdc/faces/abbgqbrdiz.jpg
    synthguard faces speed var/faces/speed_720p.mp4
    python -m synthguard.train.faces_bench classifier --threads 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image as PILImage

__all__ = ["classifier_speed", "main", "make_face_video"]


def make_face_video(
    out: Path, face_path: Path, *, seconds: int = 60, fps: int = 25, size: tuple[int, int] = (1280, 720)
) -> Path:
    """An H.264 MP4 of one 260 px face moving over a gradient (libx264 veryfast, crf 23)."""
    face = np.asarray(PILImage.open(face_path).convert("RGB").resize((260, 260)))
    w, h = size
    bg = np.tile(np.linspace(40, 200, w, dtype=np.uint8)[None, :, None], (h, 1, 3))
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(fps * seconds):
            frame = bg.copy()
            x, y = int(300 + 200 * np.sin(i / 50)), int(200 + 60 * np.cos(i / 70))
            frame[y : y + 260, x : x + 260] = face
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def classifier_speed(threads: int = 2, n: int = 256) -> dict[str, float]:
    """Face crops per second of the bundled classifier alone (wall and per CPU second)."""
    from ..detectors.face import FaceClassifier

    clf = FaceClassifier(threads=threads)
    size = clf.crop.size
    x = np.random.default_rng(0).integers(0, 255, (n, size, size, 3), dtype=np.uint8)
    clf.scores(x[:32])  # warm-up
    t, c = time.perf_counter(), time.process_time()
    clf.scores(x)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return {
        "crops": n,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "crops_per_s": round(n / wall, 1),
        "crops_per_cpu_s": round(n / cpu, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """``video OUT FACE`` or ``classifier [--threads N]``."""
    ap = argparse.ArgumentParser(prog="python -m synthguard.train.faces_bench")
    sub = ap.add_subparsers(dest="what", required=True)
    v = sub.add_parser("video")
    v.add_argument("out", type=Path)
    v.add_argument("face", type=Path)
    c = sub.add_parser("classifier")
    c.add_argument("--threads", type=int, default=2)
    ns = ap.parse_args(argv)
    if ns.what == "video":
        print(make_face_video(ns.out, ns.face))
    else:
        print(json.dumps(classifier_speed(ns.threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
