"""Project 6, step 5: INT8 quantisation (numpy).

Symmetric:  scale = max|x| / 127, zero_point = 0, q = clip(round(x / scale), -127, 127)
Asymmetric: [lo, hi] = [min(x, 0), max(x, 0)], scale = (hi - lo) / 255,
            zero_point = round(-128 - lo / scale), q = clip(round(x / scale) + zero_point, -128, 127)
dequantize: scale * (q - zero_point)

With ``axis`` given, each slice along that axis gets its own scale and zero
point; they are returned with x's number of dimensions (size 1 except along
``axis``) so that ``dequantize`` broadcasts them. Rounding is numpy's
round-half-to-even; a value at an exact tie is within scale/2 either way.
"""
from __future__ import annotations

import numpy as np

QMIN_SYMMETRIC, QMIN, QMAX = -127, -128, 127


def _reduce(x: np.ndarray, fn, axis: int | None) -> np.ndarray:
    if axis is None:
        return fn(x)
    others = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    return fn(x, axis=others, keepdims=True)


def _stored(scale) -> np.ndarray:
    """The scale as it will be stored (float32), so that q is computed with the very value dequantize uses."""
    return np.asarray(scale, np.float32).astype(np.float64)


def quantize(x, num_bits: int = 8, symmetric: bool = True, axis: int | None = None):
    """Returns (q, scale, zero_point): int8 codes, float32 scale(s), int32 zero point(s)."""
    if num_bits != 8:
        raise ValueError(f"only 8-bit quantisation is implemented (num_bits={num_bits})")
    x = np.asarray(x, dtype=np.float64)
    if symmetric:
        scale = _reduce(np.abs(x), np.max, axis) / QMAX
        scale = _stored(np.where(scale > 0, scale, 1.0))  # an all-zero slice: any scale represents it exactly
        zero_point = np.zeros_like(scale, dtype=np.int32)
        q = np.clip(np.round(x / scale), QMIN_SYMMETRIC, QMAX)
    else:
        lo = np.minimum(_reduce(x, np.min, axis), 0.0)
        hi = np.maximum(_reduce(x, np.max, axis), 0.0)
        scale = (hi - lo) / (QMAX - QMIN)
        scale = _stored(np.where(scale > 0, scale, 1.0))
        zero_point = np.clip(np.round(QMIN - lo / scale), QMIN, QMAX).astype(np.int32)
        q = np.clip(np.round(x / scale) + zero_point, QMIN, QMAX)
    return q.astype(np.int8), np.asarray(scale, np.float32), np.asarray(zero_point, np.int32)


def dequantize(q, scale, zero_point) -> np.ndarray:
    q = np.asarray(q, dtype=np.int32)
    return (np.asarray(scale, np.float32) * (q - np.asarray(zero_point, np.int32))).astype(np.float32)
