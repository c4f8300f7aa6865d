"""Dropout that zeroes elements but does not scale the survivors by 1/(1-p)."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403

MUTATED = ["dropout"]
CAUGHT_BY = ["reg.dropout.survivors", "reg.dropout.statistics"]


def dropout(x, p, training=True):
    if not training or p == 0:
        return x
    return (Tensor.rand(*x.shape) >= p).where(x, 0.0).cast(x.dtype)
