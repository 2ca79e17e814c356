"""The probe member's export step: float16-stored weights behind Cast nodes, float32 inference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")


def _model(path: Path) -> np.ndarray:
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(0).normal(0, 0.2, (64, 8)).astype(np.float32)
    bias = np.arange(8, dtype=np.float32)  # small: stays float32
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "b")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return w


def test_weights_to_fp16_keeps_outputs_and_halves_large_weights(tmp_path: Path) -> None:
    import onnxruntime as ort

    from synthguard.train.images_probe import _weights_to_fp16

    path = tmp_path / "m.onnx"
    w = _model(path)
    x = np.random.default_rng(1).normal(size=(3, 64)).astype(np.float32)
    before = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    _weights_to_fp16(path)
    model = onnx.load(str(path))
    kinds = {i.name: i.data_type for i in model.graph.initializer}
    assert kinds == {"w_fp16": onnx.TensorProto.FLOAT16, "b": onnx.TensorProto.FLOAT}
    assert model.graph.node[0].op_type == "Cast"
    after = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert after.dtype == np.float32
    np.testing.assert_allclose(after, before, atol=64 * 3 * 0.2 * float(np.abs(w).max()) * 1e-3)
