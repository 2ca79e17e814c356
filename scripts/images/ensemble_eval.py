"""AUC of the mean logit of several ONNX patch models on one split (ensemble check).
usage: python scripts/images/ensemble_eval.py SPLIT a.onnx b.onnx [...]"""

import sys
from pathlib import Path

import numpy as np

from synthguard.train import images as T

split, models = sys.argv[1], sys.argv[2:]
rows = [r for r in T.load_rows(T.DEFAULT_DATA) if r.split == split]
imgs = [T.decode(r.path) for r in rows]
y = np.array([r.label for r in rows])
fs = [T.onnx_patch_logits(Path(m)) for m in models]
conds = [*T.CONDITIONS, "fakes-only:resize:1.6+crop:0.625"]
res = {}
for c in conds:
    views = [T.perturb(px, c, int(lab)) for px, lab in zip(imgs, y, strict=True)]
    s = np.array([[T.image_logit(f, v) for v in views] for f in fs])
    res[c] = [round(T.auc(y, s[i]), 4) for i in range(len(fs))] + [round(T.auc(y, s.mean(0)), 4)]
for c, v in res.items():
    print(split, c, "singles", v[:-1], "mean", v[-1], flush=True)
