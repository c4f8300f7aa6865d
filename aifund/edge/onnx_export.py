"""ONNX export of the reference MLP and SimpleCNN with the onnx package's helpers.

Opset 17 and IR version 8 are stated explicitly (onnxruntime >= 1.14 runs
both); the graph takes float32 ``input`` (N, 784) or (N, 1, 28, 28) with a
symbolic batch dimension and returns softmax ``probabilities`` (N, 10).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8


def _init(name: str, array: np.ndarray):
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def mlp_graph(arrays: list[np.ndarray]):
    nodes, inits, x = [], [], "input"
    n_layers = len(arrays) // 2
    for i in range(n_layers):
        w, b = f"w{i + 1}", f"b{i + 1}"
        inits += [_init(w, arrays[2 * i]), _init(b, arrays[2 * i + 1])]
        nodes += [helper.make_node("MatMul", [x, w], [f"mm{i + 1}"]),
                  helper.make_node("Add", [f"mm{i + 1}", b], [f"z{i + 1}"])]
        x = f"z{i + 1}"
        if i + 1 < n_layers:
            nodes.append(helper.make_node("Relu", [x], [f"a{i + 1}"]))
            x = f"a{i + 1}"
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], axis=-1))
    return nodes, inits, ["N", arrays[0].shape[0]], arrays[-1].shape[0]


def cnn_graph(arrays: list[np.ndarray]):
    c1_w, c1_b, c2_w, c2_b, fc1_w, fc1_b, fc2_w, fc2_b = arrays
    inits = [_init(n, a) for n, a in (("c1_w", c1_w), ("c1_b", c1_b), ("c2_w", c2_w), ("c2_b", c2_b),
                                       ("fc1_w", fc1_w), ("fc1_b", fc1_b), ("fc2_w", fc2_w), ("fc2_b", fc2_b))]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["input", "c1_w", "c1_b"], ["conv1"], **conv),
        helper.make_node("Relu", ["conv1"], ["relu1"]),
        helper.make_node("MaxPool", ["relu1"], ["pool1"], **pool),
        helper.make_node("Conv", ["pool1", "c2_w", "c2_b"], ["conv2"], **conv),
        helper.make_node("Relu", ["conv2"], ["relu2"]),
        helper.make_node("MaxPool", ["relu2"], ["pool2"], **pool),
        helper.make_node("Flatten", ["pool2"], ["flat"], axis=1),     # (C, H, W) order, as SimpleCNN flattens
        helper.make_node("MatMul", ["flat", "fc1_w"], ["mm1"]),
        helper.make_node("Add", ["mm1", "fc1_b"], ["z1"]),
        helper.make_node("Relu", ["z1"], ["a1"]),
        helper.make_node("MatMul", ["a1", "fc2_w"], ["mm2"]),
        helper.make_node("Add", ["mm2", "fc2_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    return nodes, inits, ["N", 1, 28, 28], 10


def export(kind: str, arrays: list[np.ndarray], path) -> onnx.ModelProto:
    nodes, inits, in_shape, n_out = (mlp_graph if kind == "mlp" else cnn_graph)([a.astype(np.float32) for a in arrays])
    graph = helper.make_graph(nodes, f"aifund_{kind}", [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
                              [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_out])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="aifund-kit")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return model


def session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
