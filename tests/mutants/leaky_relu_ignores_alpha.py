"""Leaky ReLU with the slope 0.01 hard-coded: the alpha argument is accepted and ignored."""
from impl import *  # noqa: F401,F403

MUTATED = ["leaky_relu"]
CAUGHT_BY = ["act.leaky_relu.values"]


def leaky_relu(z, alpha=0.01):
    return (z > 0).where(z, 0.01 * z)
