"""Inference from exported weights alone, in plain numpy: what a device without tinygrad runs.

The arrays are those of ``save_weights`` (parameters() order): MLP
[w1, b1, w2, b2, ...]; SimpleCNN [c1_w, c1_b, c2_w, c2_b, fc1_w, fc1_b, fc2_w, fc2_b].
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mlp_logits(arrays: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    for i in range(0, len(arrays), 2):
        x = x @ arrays[i] + arrays[i + 1]
        if i + 2 < len(arrays):
            x = np.maximum(x, 0)
    return x


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


def max_pool2(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def cnn_logits(arrays: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    c1_w, c1_b, c2_w, c2_b, fc1_w, fc1_b, fc2_w, fc2_b = arrays
    x = max_pool2(np.maximum(conv2d(x, c1_w, c1_b, 1), 0))
    x = max_pool2(np.maximum(conv2d(x, c2_w, c2_b, 1), 0))
    x = np.maximum(x.reshape(len(x), -1) @ fc1_w + fc1_b, 0)
    return x @ fc2_w + fc2_b


def logits(kind: str, arrays: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    return mlp_logits(arrays, x) if kind == "mlp" else cnn_logits(arrays, x)
