"""softmax that clips the logits into [-1e5, 1e5] before the max shift: right wherever the random draws
reach, wrong beyond (3e38 and 1e30 both become 1e5 and share the probability)."""
from impl import *  # noqa: F401,F403
from impl import softmax as _softmax

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.stability"]


def softmax(z, axis=-1):
    return _softmax(z.clip(-1e5, 1e5), axis=axis)
