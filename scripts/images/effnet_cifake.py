"""Exploratory: EfficientNet-Lite0 probe (fit on diffusiondb-coco train, 1 augmented copy each) and the
shipped CNN, both scored on a content-matched set: CIFAKE (SD 1.4 renders vs CIFAR-10 photos, same classes)."""

import csv
import json

import numpy as np

from synthguard.train.images import (
    DEFAULT_DATA,
    _efficientnet,
    _logreg,
    auc,
    augment,
    decode,
    efficientnet_features,
    load_rows,
)

rows = [r for r in load_rows(DEFAULT_DATA) if r.split == "train"]
net = _efficientnet()
rng = np.random.default_rng(1)
X = np.stack([efficientnet_features(net, augment(decode(r.path), rng)) for r in rows])
y = np.array([r.label for r in rows])
clf = _logreg(0.1).fit(X, y)
cif = DEFAULT_DATA.parent / "cifake-sample"
with (cif / "files.tsv").open() as fh:
    items = list(csv.DictReader(fh, delimiter="\t"))
rs = np.random.default_rng(0)
real = [i for i in items if i["label"] == "real"]
fake = [i for i in items if i["label"] == "fake"]
pick = [real[i] for i in rs.choice(len(real), 200, replace=False)] + [
    fake[i] for i in rs.choice(len(fake), 200, replace=False)
]
s = clf.decision_function(np.stack([efficientnet_features(net, decode(cif / i["path"])) for i in pick]))
yc = np.array([1 if i["label"] == "fake" else 0 for i in pick])
print(json.dumps({"efficientnet_probe_cifake_auc": auc(yc, s), "n": len(pick)}))
