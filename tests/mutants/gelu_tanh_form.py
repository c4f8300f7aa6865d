"""GELU from tinygrad's built-in Tensor.gelu (the tanh approximation), not the guide's z * sigmoid(1.702 z)."""
from impl import *  # noqa: F401,F403

MUTATED = ["gelu"]
CAUGHT_BY = ["act.gelu.values"]


def gelu(z):
    return z.gelu()
