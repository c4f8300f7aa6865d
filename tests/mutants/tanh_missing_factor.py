"""tanh as 2 sigmoid(z) - 1, forgetting the 2 inside: tanh(z) = 2 sigmoid(2z) - 1."""
from impl import *  # noqa: F401,F403
from impl import sigmoid as _sigmoid

MUTATED = ["tanh"]
CAUGHT_BY = ["act.tanh.values", "act.tanh.gradient"]


def tanh(z):
    return 2 * _sigmoid(z) - 1
