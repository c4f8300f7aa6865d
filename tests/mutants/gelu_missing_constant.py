"""GELU without the 1.702: z * sigmoid(z) (that is SiLU/swish)."""
from impl import *  # noqa: F401,F403
from impl import sigmoid as _sigmoid

MUTATED = ["gelu"]
CAUGHT_BY = ["act.gelu.values", "act.gelu.gradient"]


def gelu(z):
    return z * _sigmoid(z)
