"""mse that sums the squared errors instead of averaging them."""
from impl import *  # noqa: F401,F403

MUTATED = ["mse"]
CAUGHT_BY = ["loss.mse.values"]


def mse(y_pred, y_true):
    return ((y_true - y_pred) ** 2).sum()
