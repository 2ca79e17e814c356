"""False positives of ``image.ai_generated`` on real photos from another source (DFDC frames).

The training and test reals of ``images/diffusiondb-coco`` were all upscaled to 512 px by the data
set maker, so the test split rewards a "resampled = real" shortcut. This probe scores real camera
frames from a different pipeline (``faces/dfdc``, items labelled ``real`` only) and reports, per
condition (applied to the probe reals and to the test-split fakes alike):

- the score distribution and the false-positive rate at the card threshold on the probe reals,
  with the test-split reals of diffusiondb-coco beside them for reference;
- AUC of "diffusiondb-coco test-split fakes vs the probe reals".

Frames are whole images as stored (``faces/dfdc`` holds 224 px face crops, JPEG ~q75, one per
video); video files, if a set lists any, are decoded (PyAV, through ``synthguard.media.load``) and
their middle sampled frame is used. Selection is deterministic (``--seed``), one item per video.
Needs only the runtime (onnxruntime, numpy, Pillow, PyAV), no torch.

usage:
    python scripts/images/other_reals_probe.py                      # 100 test-split DFDC reals
    python scripts/images/other_reals_probe.py --n 100 --split test --json var/images/probe.json
    python scripts/images/other_reals_probe.py --model var/images/xreals_202   # a trained candidate
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from synthguard.bench.perturb import parse_perturbation
from synthguard.detectors import create_detector
from synthguard.media import Image, Video, load

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
CONDITIONS = ("clean", "jpeg:75", "resize:0.5", "crop:0.5", "resize:1.33+crop:0.75")


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """Mann-Whitney AUC with ties counted half."""
    pos, neg = s[y == 1], s[y == 0]
    gt = (pos[:, None] > neg[None, :]).sum()
    eq = (pos[:, None] == neg[None, :]).sum()
    return float((gt + 0.5 * eq) / (len(pos) * len(neg)))


def load_image(path: Path) -> Image:
    media = load(str(path), max_side=None)  # no down-scaling: keep the native frame
    if isinstance(media, Video):
        if not media.frames:
            raise ValueError(f"{path}: no decodable frames")
        return media.frames[len(media.frames) // 2].image
    if not isinstance(media, Image):
        raise ValueError(f"{path}: not an image or video")
    return media


def perturb(img: Image, condition: str) -> Image:
    for step in condition.split("+"):
        if step != "clean":
            img = parse_perturbation(step)(img)  # type: ignore[assignment]
    return img


def score(det: Any, img: Image) -> float:
    value = det.detect(img).score
    if value is None:
        raise ValueError("image.ai_generated returned no score")
    return float(value)


def probe_rows(folder: Path, split: str, n: int, seed: int) -> list[Path]:
    with (folder / "labels.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == "real" and r.get("split", split) == split]
    by_video: dict[str, dict[str, str]] = {}
    for r in sorted(rows, key=lambda r: r["file"]):
        by_video.setdefault(r.get("video") or r["file"], r)
    keys = sorted(by_video)
    pick = np.random.default_rng(seed).choice(len(keys), size=min(n, len(keys)), replace=False)
    return [folder / by_video[keys[i]]["file"] for i in sorted(pick)]


def reference_rows(folder: Path, split: str) -> tuple[list[Path], list[Path]]:
    with (folder / "labels.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == split]
    fakes = [folder / r["file"] for r in rows if r["label"] == "fake"]
    reals = [folder / r["file"] for r in rows if r["label"] == "real"]
    return fakes, reals


def parse_option(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reals", type=Path, default=DATA / "faces" / "dfdc", help="set with labels.csv")
    ap.add_argument("--split", default="test", help="split of the probe reals (default test)")
    ap.add_argument("--n", type=int, default=100, help="probe size (one item per video)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fakes", type=Path, default=DATA / "images" / "diffusiondb-coco")
    ap.add_argument("--fakes-split", default="test")
    ap.add_argument("--condition", action="append", help=f"default: {', '.join(CONDITIONS)}")
    ap.add_argument("-o", "--option", action="append", default=[], help="detector option key=value")
    ap.add_argument("--json", type=Path, help="also write all scores here")
    ap.add_argument("--photo", type=Path, action="append", default=[], help="also score this real photo")
    ap.add_argument(
        "--model", type=Path, help="folder with a candidate's card.json and the ONNX files it names"
    )
    args = ap.parse_args(argv)
    for p in (args.reals, args.fakes):
        if not (p / "labels.csv").is_file():
            print(f"no labels.csv in {p}")
            return 2
    options = dict(map(parse_option, args.option))
    if args.model:  # a candidate written by `synthguard train images --no-export`: its own calibration
        options["model_dir"] = str(args.model)
    det = create_detector("image.ai_generated", heatmap=False, **options)
    thr = det.card.threshold
    if args.model:  # and its own threshold, not the bundled card's
        thr = float(json.loads((args.model / "card.json").read_text())["threshold"])
    sets = {"probe_reals": probe_rows(args.reals, args.split, args.n, args.seed)}
    sets["fakes"], sets["ref_reals"] = reference_rows(args.fakes, args.fakes_split)
    images = {k: [load_image(p) for p in v] for k, v in sets.items()}
    conditions = args.condition or list(CONDITIONS)
    scores: dict[str, dict[str, list[float]]] = {}
    for c in conditions:
        scores[c] = {k: [score(det, perturb(im, c)) for im in v] for k, v in images.items()}
    print(
        f"probe reals: {len(sets['probe_reals'])} from {args.reals} (split {args.split}); "
        f"fakes / reference reals: {len(sets['fakes'])} / {len(sets['ref_reals'])} from {args.fakes} "
        f"(split {args.fakes_split}); threshold {thr}; model {args.model or 'bundled'}"
    )
    head = (
        "| condition (all sets) | probe FPR | probe score median [p10, p90] | ref-reals FPR "
        "| fakes TPR | AUC fakes vs probe reals | AUC fakes vs ref reals |"
    )
    print(head)
    print("|" + "---|" * 7)
    summary: dict[str, Any] = {}
    for c in conditions:
        pr, rr, fk = (np.array(scores[c][k]) for k in ("probe_reals", "ref_reals", "fakes"))
        row = {
            "probe_fpr": float((pr >= thr).mean()),
            "probe_median": float(np.median(pr)),
            "probe_p10": float(np.percentile(pr, 10)),
            "probe_p90": float(np.percentile(pr, 90)),
            "ref_fpr": float((rr >= thr).mean()),
            "fakes_tpr": float((fk >= thr).mean()),
            "auc_vs_probe": auc(np.r_[np.ones(len(fk)), np.zeros(len(pr))], np.r_[fk, pr]),
            "auc_vs_ref": auc(np.r_[np.ones(len(fk)), np.zeros(len(rr))], np.r_[fk, rr]),
        }
        summary[c] = row
        print(
            f"| {c} | {row['probe_fpr']:.3f} | {row['probe_median']:.3f} [{row['probe_p10']:.3f}, "
            f"{row['probe_p90']:.3f}] | {row['ref_fpr']:.3f} | {row['fakes_tpr']:.3f} "
            f"| {row['auc_vs_probe']:.3f} | {row['auc_vs_ref']:.3f} |"
        )
    for path in args.photo:
        im = load_image(path)
        per = ", ".join(f"{c} {score(det, perturb(im, c)):.3f}" for c in conditions)
        print(f"single real photo {path.name} ({im.width}x{im.height}): {per}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        files = {k: [str(p) for p in v] for k, v in sets.items()}
        args.json.write_text(json.dumps({"summary": summary, "scores": scores, "files": files}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
