"""Leaky ReLU built from two strict branches, z > 0 and z < 0: at exactly 0 neither passes a gradient."""
from impl import *  # noqa: F401,F403

MUTATED = ["leaky_relu"]
CAUGHT_BY = ["act.leaky_relu.kink"]


def leaky_relu(z, alpha=0.01):
    return (z > 0).where(z, 0.0) + (z < 0).where(alpha * z, 0.0)
