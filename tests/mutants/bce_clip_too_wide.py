"""BCE clipping p into [0.1, 0.9]: values change below 0.1 and the gradient vanishes there."""
from impl import *  # noqa: F401,F403

MUTATED = ["binary_cross_entropy"]
CAUGHT_BY = ["loss.bce.values", "loss.bce.gradient"]


def binary_cross_entropy(p, y):
    p = p.clip(0.1, 0.9)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()
