"""quantize truncates toward minus infinity (floor) instead of rounding to the nearest code."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.quantize import quantize as _reference

MUTATED = ["quantize"]
CAUGHT_BY = ["p6.quantize.round_trip", "p6.quantize.matches_torch"]


def quantize(x, num_bits=8, symmetric=True, axis=None):
    _, scale, zp = _reference(x, num_bits, symmetric, axis)
    lo = -127 if symmetric else -128
    q = np.clip(np.floor(np.asarray(x, np.float64) / scale.astype(np.float64)) + zp, lo, 127)
    return q.astype(np.int8), scale, zp
