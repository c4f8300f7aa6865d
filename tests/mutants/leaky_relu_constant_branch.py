"""Leaky ReLU returning alpha (not alpha * z) for z <= 0."""
from impl import *  # noqa: F401,F403

MUTATED = ["leaky_relu"]
CAUGHT_BY = ["act.leaky_relu.values", "act.leaky_relu.gradient"]


def leaky_relu(z, alpha=0.01):
    return (z > 0).where(z, alpha)
