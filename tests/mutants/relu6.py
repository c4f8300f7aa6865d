"""ReLU6 (min(max(0, z), 6), common in mobile networks) where the guide asks for ReLU."""
from impl import *  # noqa: F401,F403

MUTATED = ["relu"]
CAUGHT_BY = ["act.relu.values"]


def relu(z):
    return z.clip(0, 6)
