"""sigmoid that is 1/2 everywhere: symmetric about (0, 1/2), and sigmoid(0) is right, but nothing else is."""
from impl import *  # noqa: F401,F403

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.values", "act.sigmoid.symmetry"]


def sigmoid(z):
    return z * 0 + 0.5
