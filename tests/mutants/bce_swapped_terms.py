"""BCE with the two logs swapped: y log(1 - p) + (1 - y) log p."""
from impl import *  # noqa: F401,F403

MUTATED = ["binary_cross_entropy"]
CAUGHT_BY = ["loss.bce.values", "loss.bce.guide_intuition"]


def binary_cross_entropy(p, y):
    p = p.clip(1e-7, 1 - 1e-7)
    return -(y * (1 - p).log() + (1 - y) * p.log()).mean()
