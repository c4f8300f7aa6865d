"""tanh as 2 sigmoid(z) - 1: the inner factor 2 of tanh(z) = 2 sigmoid(2z) - 1 is lost."""
from impl import *  # noqa: F401,F403
from impl import sigmoid

MUTATED = ["tanh"]
CAUGHT_BY = ["act.tanh.values"]


def tanh(z):
    return 2 * sigmoid(z) - 1
