"""Multi-scale scoring check for image.ai_generated patch models (selection on val, test once).

For every image and condition the mean grid-patch logit is computed at several scales (the image
resized by bicubic x s before the patch grid is cut; same 64-patch cap per scale), then scale sets
are combined by the mean or max of the per-scale logits. Reports AUC on the diffusiondb-coco split
per condition and, with a Platt calibration refitted on the val split per combination (clean + the
three re-encodings, as the trainer does), the false-positive rate at 0.5 on DFDC real frames.

usage: python scripts/images/multiscale_eval.py SPLIT DFDC_SPLIT model.onnx [--scales 0.5,1,2]
    python scripts/images/multiscale_eval.py val val src/synthguard/models/images/ai_image_patch_cnn.onnx
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from synthguard.train import images as T

DFDC = T.ROOT.parent / "shared" / "data" / "faces" / "dfdc"
CONDS = [
    "clean",
    "jpeg:75",
    "resize:0.5",
    "crop:0.5",
    "resize:0.5+jpeg:75",
    "fakes-only:resize:1.6+crop:0.625",
    "saturation:0",
    "frame:28",
]
CAL = ("clean", "jpeg:75", "resize:0.5", "crop:0.5")


def scaled(px: np.ndarray, s: float) -> np.ndarray:
    return px if s == 1.0 else T._resize(px, s)


def logits(
    f: Callable[[np.ndarray], np.ndarray],
    imgs: list[np.ndarray],
    labels: Sequence[int] | np.ndarray,
    conds: Sequence[str],
    scales: list[float],
) -> dict[str, np.ndarray]:
    out = {}
    for c in conds:
        views = [T.perturb(px, c, int(lab)) for px, lab in zip(imgs, labels, strict=True)]
        out[c] = np.array([[T.image_logit(f, scaled(v, s)) for s in scales] for v in views])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("split")
    ap.add_argument("dfdc_split")
    ap.add_argument("model", type=Path)
    ap.add_argument("--scales", default="0.5,0.75,1,1.5,2")
    ap.add_argument("--n-dfdc", type=int, default=100)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    scales = [float(x) for x in a.scales.split(",")]
    f = T.onnx_patch_logits(a.model)
    rows = T.load_rows(T.DEFAULT_DATA)
    sel = {sp: [r for r in rows if r.split == sp] for sp in {a.split, "val"}}
    data = {}
    for sp, rs in sel.items():
        imgs = [T.decode(r.path) for r in rs]
        y = np.array([r.label for r in rs])
        data[sp] = (y, logits(f, imgs, y, CONDS, scales))

    with (DFDC / "labels.csv").open() as fh:
        dr = sorted(
            (r for r in csv.DictReader(fh) if r["label"] == "real" and r["split"] == a.dfdc_split),
            key=lambda r: r["file"],
        )
    pick = np.random.default_rng(0).choice(len(dr), size=min(a.n_dfdc, len(dr)), replace=False)
    dimgs = [T.decode(DFDC / dr[i]["file"]) for i in sorted(pick)]
    dlog = logits(f, dimgs, [0] * len(dimgs), ["clean", "jpeg:75", "resize:0.5", "crop:0.5"], scales)
    combos = [(s,) for s in scales] + [
        c for k in (2, 3) for c in itertools.combinations(scales, k) if 1.0 in c
    ]
    y, L = data[a.split]
    yv, Lv = data["val"]
    res = {}
    for combo in combos:
        idx = [scales.index(s) for s in combo]
        for agg in ("mean", "max") if len(combo) > 1 else ("mean",):

            def comb(m: np.ndarray, idx: list[int] = idx, agg: str = agg) -> np.ndarray:
                sub = m[:, idx]
                return np.asarray(sub.mean(axis=1) if agg == "mean" else sub.max(axis=1))

            ca, cb = T.platt(np.concatenate([comb(Lv[c]) for c in CAL]), np.tile(yv, len(CAL)))
            name = f"{agg}{list(combo)}"
            r = {c: round(T.auc(y, comb(L[c])), 4) for c in CONDS}
            for c in ("clean", "jpeg:75", "resize:0.5", "crop:0.5"):
                p = 1 / (1 + np.exp(-(ca * comb(dlog[c]) + cb)))
                r[f"dfdc_fpr_{c}"] = round(float((p >= 0.5).mean()), 3)
                fakes = comb(L[c])[y == 1]
                r[f"auc_fakes_vs_dfdc_{c}"] = round(
                    T.auc(np.r_[np.ones(len(fakes)), np.zeros(len(dlog[c]))], np.r_[fakes, comb(dlog[c])]), 4
                )
            res[name] = r
            print(a.split, name, json.dumps(r), flush=True)
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
