"""Does the speaker check notice a voice changer? For every reader with several real clips in an
unseen-family set (``synthguard speech make-unseen``), enrol ``audio.voice_match`` on one of their
clips and score their other real clips, other readers' clips, and each family's fakes made from
their clips. Prints the median P(different speaker) and the share over the card's threshold.

Usage: python scripts/speech/voice_match_shift.py [UNSEEN_DIR]   (default var/speech/unseen_div)
"""

from __future__ import annotations

import collections
import csv
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf

from synthguard.detectors import Detector, create_detector
from synthguard.media import Audio


def main(root: Path) -> None:
    rows = list(csv.DictReader((root / "labels.csv").open()))
    real: dict[str, list[Path]] = collections.defaultdict(list)
    for r in rows:
        if r["label"] == "real":
            real[r["speaker"]].append(root / r["file"])
    readers = [s for s, v in real.items() if len(v) >= 5]
    card = json.loads(resources.files("synthguard.models.speech").joinpath("voice_match.json").read_text())
    threshold = float(card["threshold"])

    def load(p: Path) -> Audio:
        return Audio(sf.read(str(p), dtype="float32")[0])

    def score(det: Detector, p: Path) -> float:
        s = det.detect(load(p)).score
        return float("nan") if s is None else float(s)  # None: no speech in the clip

    out: dict[str, list[float]] = collections.defaultdict(list)
    for spk in readers:
        det = create_detector("audio.voice_match", reference=load(real[spk][0]))
        out["same reader, real"] += [score(det, p) for p in real[spk][1:]]
        out["other reader, real"] += [score(det, real[o][1]) for o in readers if o != spk][:3]
        for r in rows:
            if r["speaker"] == spk and r["label"] == "fake":
                out[f"same reader, {r['engine']}"].append(score(det, root / r["file"]))
    print(f"{len(readers)} readers enrolled; threshold {threshold}")
    for k, v in sorted(out.items()):
        a = np.array(v)
        print(
            f"{k:32s} n={len(a):3d}  median P(different) {np.median(a):.2f}  over threshold {np.mean(a > threshold):.2f}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("var/speech/unseen_div"))
