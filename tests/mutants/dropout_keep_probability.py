"""Dropout that treats p as the probability of keeping an element (zeros with probability 1 - p)."""
from impl import *  # noqa: F401,F403
from impl import dropout as _dropout

MUTATED = ["dropout"]
CAUGHT_BY = ["reg.dropout.statistics"]


def dropout(x, p, training=True):
    if not training or p == 0:
        return x
    # survivors still come out as x / (1 - p); only the rate is wrong
    return _dropout(x, 1 - p, True) * (p / (1 - p))
