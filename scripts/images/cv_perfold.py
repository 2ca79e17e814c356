"""Per-fold AUC (mean over folds) from compare_raw.json, recomputing the trainer's fold assignment."""

import json
import sys

import numpy as np

from synthguard.train.images import auc

for path in sys.argv[1:]:
    with open(path) as fh:
        d = json.load(fh)
    y = np.array(d["labels"])
    k = d["folds"]
    rng = np.random.default_rng(d["config"]["seed"])
    fold = np.zeros(len(y), int)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        fold[idx] = np.arange(len(idx)) % k
    for m, dd in d["oof"].items():
        print(
            path,
            m,
            {
                c: round(float(np.mean([auc(y[fold == f], np.array(s)[fold == f]) for f in range(k)])), 3)
                for c, s in dd.items()
            },
        )
