"""Throughput at 512x512 and time/memory on a 40 MP image for image.ai_generated."""

import resource
import sys
import time

import numpy as np

from synthguard.detectors import create_detector
from synthguard.media import Image

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
det = create_detector("image.ai_generated", threads=threads)
rng = np.random.default_rng(0)
imgs = [Image(rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)) for _ in range(8)]
det.detect(imgs[0])
for heat in (True, False):
    d = create_detector("image.ai_generated", threads=threads, heatmap=heat)
    t = time.perf_counter()
    c = time.process_time()
    n = 0
    while time.perf_counter() - t < 5:
        d.detect(imgs[n % 8])
        n += 1
    print(
        f"512x512 threads={threads} heatmap={heat}: {n / (time.perf_counter() - t):.1f} images/s wall, {n / (time.process_time() - c):.1f} images per CPU-second"
    )
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
big = Image(rng.integers(0, 256, (5152, 7728, 3), dtype=np.uint8))
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
ev = det.detect(big)
dt = time.perf_counter() - t
rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    f"40 MP (7728x5152): {dt:.2f}s, peak RSS before image {rss0:.0f} MiB, with pixels {rss1:.0f} MiB, "
    f"after detect {rss2:.0f} MiB (detector added {rss2 - rss1:.0f} MiB); {ev.notes[0]}"
)
