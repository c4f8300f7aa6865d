"""dequantize returns scale * q, forgetting to subtract the zero point."""
import numpy as np

from impl import *  # noqa: F401,F403

MUTATED = ["dequantize"]
CAUGHT_BY = ["p6.dequantize.values", "p6.quantize.round_trip"]


def dequantize(q, scale, zero_point):
    return (np.asarray(scale, np.float32) * np.asarray(q, np.int32)).astype(np.float32)
