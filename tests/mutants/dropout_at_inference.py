"""Dropout that ignores training=False and drops neurons at inference too."""
from impl import *  # noqa: F401,F403
from impl import dropout as _dropout

MUTATED = ["dropout"]
CAUGHT_BY = ["reg.dropout.inference"]


def dropout(x, p, training=True):
    return _dropout(x, p, True)
