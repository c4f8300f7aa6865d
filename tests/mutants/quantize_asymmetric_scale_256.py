"""Asymmetric quantize divides the range by 256 (the number of codes) instead of 255 (the number of steps)."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.quantize import quantize as _reference

MUTATED = ["quantize"]
CAUGHT_BY = ["p6.quantize.asymmetric"]


def quantize(x, num_bits=8, symmetric=True, axis=None):
    if symmetric:
        return _reference(x, num_bits, symmetric, axis)
    x = np.asarray(x, np.float64)
    others = None if axis is None else tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    keep = axis is not None
    lo = np.minimum(np.min(x, axis=others, keepdims=keep), 0.0)
    hi = np.maximum(np.max(x, axis=others, keepdims=keep), 0.0)
    scale = np.asarray(np.where(hi > lo, (hi - lo) / 256, 1.0), np.float32)
    zp = np.clip(np.round(-128 - lo / scale), -128, 127).astype(np.int32)
    q = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
    return q, scale, zp
