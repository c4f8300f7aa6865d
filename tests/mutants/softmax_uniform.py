"""softmax that gives every class 1/K: its rows are probabilities that sum to one, but not the softmax."""
from impl import *  # noqa: F401,F403

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.values", "act.softmax.sums_to_one"]


def softmax(z, axis=-1):
    ones = z * 0 + 1
    return ones / ones.sum(axis=axis, keepdim=True)
