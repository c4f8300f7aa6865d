"""The layers of an exported model as one list of steps, which every inference path walks: the numpy
forward, the INT8 model, the ONNX graph and the PyTorch peer. SimpleCNN's list is the reference's own
(impl/cnn.py, LAYOUT, which the tinygrad model walks too); an MLP's is its dense layers with a ReLU
between each two (impl/layers.py, MLP). A step is ("conv", i), ("dense", i), ("relu",), ("pool",) or
("flatten",); i is the index of a weight in the arrays of save_weights (parameters() order), its bias next.
"""
from __future__ import annotations

from aifund.reference.cnn import LAYOUT, PADDING, POOL, SIDE

__all__ = ["steps", "input_shape", "PADDING", "POOL"]


def steps(kind: str, n_arrays: int) -> tuple:
    if kind == "cnn":
        return LAYOUT
    if kind == "mlp":
        out = []
        for i in range(0, n_arrays, 2):
            out.append(("dense", i))
            if i + 2 < n_arrays:
                out.append(("relu",))
        return tuple(out)
    raise ValueError(f"unknown model kind {kind!r}; known: mlp, cnn")


def input_shape(kind: str, arrays) -> list:
    """The model's input with a symbolic batch dimension N: (N, features) or (N, channels, SIDE, SIDE)."""
    return ["N", arrays[0].shape[0]] if kind == "mlp" else ["N", arrays[0].shape[1], SIDE, SIDE]
