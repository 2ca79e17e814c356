"""AUC of ONNX patch models on one split under the trainer's conditions (+ a held-out probe).
usage: python scripts/images/eval_onnx.py SPLIT model1.onnx [model2.onnx ...]"""

import sys

import numpy as np

from synthguard.train import images as T

split, models = sys.argv[1], sys.argv[2:]
rows = [r for r in T.load_rows(T.DEFAULT_DATA) if r.split == split]
imgs = [T.decode(r.path) for r in rows]
y = np.array([r.label for r in rows])
conds = [*T.CONDITIONS, "fakes-only:resize:1.6+crop:0.625"]
for m in models:
    f = T.onnx_patch_logits(__import__("pathlib").Path(m))
    out = {}
    for c in conds:
        s = [T.image_logit(f, T.perturb(px, c, int(lab))) for px, lab in zip(imgs, y, strict=True)]
        out[c] = round(T.auc(y, s), 4)
    print(split, m, out, flush=True)
