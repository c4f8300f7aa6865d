"""BCE clipping with eps = 1e-12: in float32, 1 - 1e-12 rounds to 1, so log(1 - p) is log(0) = -inf."""
from impl import *  # noqa: F401,F403

MUTATED = ["binary_cross_entropy"]
CAUGHT_BY = ["loss.bce.extremes"]


def binary_cross_entropy(p, y):
    p = p.clip(1e-12, 1 - 1e-12)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()
