"""ONNX export of the reference MLP and SimpleCNN with the onnx package's helpers.

Opset 17 and IR version 8 are stated explicitly (onnxruntime >= 1.14 runs
both); the graph takes float32 ``input`` (N, 784) or (N, 1, 28, 28) with a
symbolic batch dimension and returns softmax ``probabilities`` (N, 10).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from aifund.edge import plan

OPSET = 17
IR_VERSION = 8


def _init(name: str, array: np.ndarray):
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def graph(kind: str, arrays: list[np.ndarray]):
    """(nodes, initialisers) for the model's steps (aifund/edge/plan.py), ending in softmax "probabilities"."""
    nodes, inits, x = [], [], "input"
    for n, (op, *w) in enumerate(plan.steps(kind, len(arrays))):
        out = f"{op}{n}"
        if op in ("conv", "dense"):
            weight, bias = f"{op}{n}_w", f"{op}{n}_b"
            inits += [_init(weight, arrays[w[0]]), _init(bias, arrays[w[0] + 1])]
            if op == "conv":
                k = list(arrays[w[0]].shape[2:])
                nodes.append(helper.make_node("Conv", [x, weight, bias], [out], kernel_shape=k,
                                              pads=[plan.PADDING] * 4, strides=[1, 1]))
            else:
                nodes += [helper.make_node("MatMul", [x, weight], [f"{out}_mm"]),
                          helper.make_node("Add", [f"{out}_mm", bias], [out])]
        elif op == "relu":
            nodes.append(helper.make_node("Relu", [x], [out]))
        elif op == "pool":
            nodes.append(helper.make_node("MaxPool", [x], [out], kernel_shape=[plan.POOL] * 2, strides=[plan.POOL] * 2))
        elif op == "flatten":
            nodes.append(helper.make_node("Flatten", [x], [out], axis=1))     # (C, H, W) order, as SimpleCNN flattens
        x = out
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], axis=-1))
    return nodes, inits


def export(kind: str, arrays: list[np.ndarray], path) -> onnx.ModelProto:
    arrays = [a.astype(np.float32) for a in arrays]
    nodes, inits = graph(kind, arrays)
    in_shape, n_out = plan.input_shape(kind, arrays), arrays[-1].shape[-1]
    onnx_graph = helper.make_graph(
        nodes, f"aifund_{kind}", [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_out])], inits)
    model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="aifund-kit")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return model


def session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
