"""``synthguard train speech-peer-export``: convert a user-supplied AASIST or RawGAT-ST checkpoint to ONNX.

The architecture is recognised from the ``state_dict`` keys: the published AASIST / AASIST-L files
(ASVspoof 2019 LA or ASVspoof 5) are loaded into :class:`synthguard.train.speech_peer.AASIST`, the
RawGAT-ST one (``RawGAT_ST_mul.pth``, ASVspoof 2019 LA) into
:class:`synthguard.train.speech_peer_rawgat.RawGATST`; hyper-parameters are inferred from the tensor
shapes. Both are exported with input ``waveform`` (N, 64600) float32 at 16 kHz and output ``logits``
(N, 2), index 1 = bona fide, and checked against torch on random input (and on ``--check`` clips). A
JSON sidecar records the architecture, the source checkpoint's sha256 and the measured difference.
Run the result with ``audio.aasist`` / ``audio.aasist_l`` / ``audio.rawgat_st``.

Example:
    synthguard train speech-peer-export --checkpoint AASIST.pth --out var/speech/peer/aasist.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np

__all__ = ["export", "main"]


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    """Repeat-pad or cut to ``n`` samples, as the AASIST and RawGAT-ST evaluations do."""
    if len(x) >= n:
        return x[:n]
    return np.tile(x, n // max(len(x), 1) + 1)[:n]


def export(checkpoint: Path, out: Path, check: list[Path] | None = None) -> dict[str, object]:
    """Export ``checkpoint`` to ``out``; returns the sidecar dict (also written as ``out``.json)."""
    import onnxruntime as ort
    import torch
    from torch import nn

    from .speech_peer import AASIST, NB_SAMP, aasist_config
    from .speech_peer_rawgat import RawGATST, is_rawgat_st, rawgat_st_config

    torch.set_num_threads(1)
    state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
    model: nn.Module
    if "pos_S" in state:
        arch, cfg = "AASIST", aasist_config(state)
        model = AASIST(cfg)
    elif is_rawgat_st(state):
        arch, cfg = "RawGAT-ST", rawgat_st_config(state)
        model = RawGATST(cfg)
    else:
        raise SystemExit(
            f"{checkpoint}: neither an AASIST nor a RawGAT-ST state_dict (no other is supported)"
        )
    model.load_state_dict(state)
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, NB_SAMP)
    with warnings.catch_warnings():  # TorchScript exporter: deprecated, but needs no onnxscript
        warnings.simplefilter("ignore")  # also TracerWarnings about shape arithmetic
        torch.onnx.export(
            model,
            (dummy,),
            str(out),
            input_names=["waveform"],
            output_names=["logits"],
            dynamic_axes={"waveform": {0: "n"}, "logits": {0: "n"}},
            opset_version=17,
            dynamo=False,
        )
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    inputs = [("random", (0.05 * rng.standard_normal((2, NB_SAMP))).astype(np.float32))]
    for p in check or []:
        import soundfile as sf

        x, _ = sf.read(str(p), dtype="float32", always_2d=True)
        inputs.append((p.name, _fit(x.mean(axis=1), NB_SAMP)[None].astype(np.float32)))
    checks = {}
    for name, x in inputs:
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(None, {"waveform": x})[0]
        checks[name] = {
            "torch": ref.round(4).tolist(),
            "onnx": got.round(4).tolist(),
            "max_abs_diff": float(np.abs(ref - got).max()),
        }
    side: dict[str, object] = {
        "architecture": arch,
        "config": cfg,
        "input": "waveform (N, 64600) float32, 16 kHz",
        "output": "logits (N, 2), index 1 = bona fide",
        "checkpoint": checkpoint.name,
        "checkpoint_sha256": hashlib.sha256(checkpoint.read_bytes()).hexdigest(),
        "onnx_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "checks": checks,
    }
    out.with_suffix(".json").write_text(json.dumps(side, indent=2) + "\n")
    return side


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``synthguard train speech-peer-export``."""
    ap = argparse.ArgumentParser(
        prog="synthguard train speech-peer-export", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument(
        "--checkpoint", type=Path, required=True, help="AASIST, AASIST-L or RawGAT-ST .pth state_dict"
    )
    ap.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    ap.add_argument(
        "--check", type=Path, nargs="*", default=[], help="audio clips to compare torch vs ONNX on"
    )
    args = ap.parse_args(argv)
    side = export(args.checkpoint, args.out, args.check)
    worst = max(float(c["max_abs_diff"]) for c in side["checks"].values())  # type: ignore[attr-defined]
    print(f"wrote {args.out} (sha256 {str(side['onnx_sha256'])[:12]}); max |torch - onnx| = {worst:.2e}")
    for name, c in side["checks"].items():  # type: ignore[attr-defined]
        print(f"  {name}: torch {c['torch']} onnx {c['onnx']}")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
