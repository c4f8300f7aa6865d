"""softmax that accepts axis= but always normalises over the last axis."""
from impl import *  # noqa: F401,F403
from impl import softmax as _softmax

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.axis"]


def softmax(z, axis=-1):
    return _softmax(z)
