"""Symmetric quantize with no guard for an all-zero input: scale max|x| / 127 = 0, and x / 0 gives NaN codes."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.quantize import quantize as _reference

MUTATED = ["quantize"]
CAUGHT_BY = ["p6.quantize.symmetric"]


def quantize(x, num_bits=8, symmetric=True, axis=None):
    if not symmetric:
        return _reference(x, num_bits, symmetric, axis)
    x = np.asarray(x, np.float64)
    others = None if axis is None else tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    scale = np.asarray(np.max(np.abs(x), axis=others, keepdims=axis is not None) / 127, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.clip(np.round(x / scale.astype(np.float64)), -127, 127).astype(np.int8)
    return q, scale, np.zeros_like(scale, np.int32)
