"""softmax normalising over axis 0 (the batch) instead of the last axis."""
from impl import *  # noqa: F401,F403
from impl import softmax as _softmax

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.values", "act.softmax.axis"]


def softmax(z, axis=-1):
    return _softmax(z, axis=0)
