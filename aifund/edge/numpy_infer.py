"""Inference from exported weights alone, computed in plain numpy (no tinygrad kernel runs).

The arrays are those of ``save_weights`` (parameters() order): MLP
[w1, b1, w2, b2, ...]; SimpleCNN [c1_w, c1_b, c2_w, c2_b, fc1_w, fc1_b, fc2_w, fc2_b].
The layers are walked in the order of aifund/edge/plan.py.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from aifund.edge import plan


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def im2col(x: np.ndarray, k: int, padding: int) -> np.ndarray:
    """(N, C, H, W) -> (N, H', W', C*k*k) patches, stride 1, zero padding."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, (k, k), axis=(2, 3))           # N, C, H', W', k, k
    n, c, h, w = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, h, w, c * k * k)


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int) -> np.ndarray:
    c_out, c_in, k, _ = w.shape
    out = im2col(x, k, padding) @ w.reshape(c_out, c_in * k * k).T + b   # N, H', W', C_out
    return out.transpose(0, 3, 1, 2)


def max_pool2(x: np.ndarray, size: int = plan.POOL) -> np.ndarray:
    n, c, h, w = x.shape
    return x[:, :, :h // size * size, :w // size * size].reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))


def logits(kind: str, arrays: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    for op, *w in plan.steps(kind, len(arrays)):
        if op == "conv":
            x = conv2d(x, arrays[w[0]], arrays[w[0] + 1], plan.PADDING)
        elif op == "relu":
            x = np.maximum(x, 0)
        elif op == "pool":
            x = max_pool2(x)
        elif op == "flatten":
            x = x.reshape(len(x), -1)            # (C, H, W) order, as SimpleCNN flattens
        else:
            x = x @ arrays[w[0]] + arrays[w[0] + 1]
    return x
