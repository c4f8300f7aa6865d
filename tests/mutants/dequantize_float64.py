"""dequantize returns float64 instead of the contract's float32 (twice the memory on the device)."""
import numpy as np

from impl import *  # noqa: F401,F403

MUTATED = ["dequantize"]
CAUGHT_BY = ["p6.dequantize.values"]


def dequantize(q, scale, zero_point):
    return np.asarray(scale, np.float64) * (np.asarray(q, np.int64) - np.asarray(zero_point, np.int64))
