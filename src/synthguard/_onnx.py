"""The one way synthguard opens an ONNX model: CPU, bounded threads, errors mapped to ours."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import DetectorError

__all__ = ["onnx_session", "ort_threads"]


def ort_threads(threads: int | None) -> int:
    """Intra-op threads for a detector: the argument, else ``SYNTHGUARD_ORT_THREADS``, else 1.

    One thread per model keeps many workers (service, batch, live) from oversubscribing the cores.
    """
    return int(threads or os.environ.get("SYNTHGUARD_ORT_THREADS") or 1)


def onnx_session(path: str | Path, threads: int | None = None, *, owner: str = "model") -> Any:
    """An onnxruntime CPU session for ``path``; ``threads=None`` leaves onnxruntime's default.

    Raises:
        DetectorError: the file is not a loadable ONNX model (onnxruntime's own error is chained).
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise DetectorError(f"{owner}: cannot load {path}: {exc}") from exc
