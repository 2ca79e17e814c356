"""``synthguard train speech-voice``: corpus statistics and calibration for ``audio.voice_match``.

Standardisation statistics come from the real train-split LibriSpeech clips; the logistic mapping
from cosine similarity to P(different speaker) and the threshold (val EER) from all pairs of val-split
clips; EER is reported on pairs of test-split clips. Speakers are the same disjoint splits as
``synthguard train speech`` (``var/speech/data/labels.csv``).

Example:
    synthguard train speech-voice --work var/speech --out src/synthguard/models/speech
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..bench.metrics import eer
from ..speech.speaker import N_CEPS, cosine, speaker_embedding
from .speech import _read, eer_threshold, fit_platt
from .speech_data import read_labels

__all__ = ["main"]


def _pairs(
    embs: list[tuple[str, npt.NDArray[np.float64]]], mu: npt.NDArray[np.float64], sd: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.float64]]:
    z = [(spk, (e - mu) / sd) for spk, e in embs]
    y, s = [], []
    for (a, ea), (b, eb) in itertools.combinations(z, 2):
        y.append(int(a != b))
        s.append(cosine(ea, eb))
    return np.array(y), np.array(s)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``synthguard train speech-voice``."""
    ap = argparse.ArgumentParser(prog="synthguard train speech-voice", description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("var/speech"))
    ap.add_argument("--out", type=Path, default=Path("src/synthguard/models/speech"))
    args = ap.parse_args(argv)
    csv_path = args.work / "data" / "labels.csv"
    if not csv_path.is_file():
        raise SystemExit(f"{csv_path} not found: run `synthguard train speech` first (it builds the data)")
    rows = [r for r in read_labels(csv_path) if r.label == "real"]
    embs: dict[str, list[tuple[str, npt.NDArray[np.float64]]]] = {"train": [], "val": [], "test": []}
    for r in rows:
        e = speaker_embedding(_read(csv_path.parent / r.file))
        if e is not None:
            embs[r.split].append((r.speaker, e))
    train = np.array([e for _, e in embs["train"]])
    mu, sd = train.mean(axis=0), train.std(axis=0) + 1e-6
    yv, sv = _pairs(embs["val"], mu, sd)
    a, b = fit_platt(-sv, yv)  # P(different speaker) rises as similarity falls
    pv = 1 / (1 + np.exp(-(a * -sv + b)))
    threshold = eer_threshold(yv, pv)
    yt, st = _pairs(embs["test"], mu, sd)
    metrics = {
        "val_pair_eer": round(eer(yv, -sv)[0], 4),
        "test_pair_eer": round(eer(yt, -st)[0], 4),
        "test_pairs_same": int((yt == 0).sum()),
        "test_pairs_different": int((yt == 1).sum()),
    }
    card = {
        "name": "audio.voice_match",
        "version": "1.0.0",
        "embedding": f"mean+std of MFCC 1..{N_CEPS} over the loudest 60% of VAD speech frames",
        "mean": mu.round(6).tolist(),
        "std": sd.round(6).tolist(),
        "calibration": {"method": "platt on -cosine", "a": a, "b": b},
        "threshold": round(threshold, 4),
        "metrics": metrics,
        "training_data": "LibriSpeech train-clean-100 / test-other real clips (CC BY 4.0), speaker-disjoint splits",
        "limitations": "Cepstral statistics: robust on clean read speech, weak across microphones/codecs and "
        "against a good voice clone of the enrolled speaker (use audio.synthetic_voice for that).",
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "voice_match.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {args.out / 'voice_match.json'}: {metrics}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
