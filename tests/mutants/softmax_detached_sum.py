"""softmax whose denominator is detached from the graph: right values, wrong gradient."""
from impl import *  # noqa: F401,F403

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.gradient"]


def softmax(z, axis=-1):
    e = (z - z.max(axis=axis, keepdim=True).detach()).exp()
    return e / e.sum(axis=axis, keepdim=True).detach()
