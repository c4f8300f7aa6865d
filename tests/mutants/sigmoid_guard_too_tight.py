"""sigmoid with an overflow guard that caps e^-z at e^10: sigmoid(z) is stuck at 4.5e-5 for every z < -10."""
from impl import *  # noqa: F401,F403

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.values", "act.sigmoid.symmetry", "act.sigmoid.stability"]


def sigmoid(z):
    return 1 / (1 + (-z).minimum(10.0).exp())
