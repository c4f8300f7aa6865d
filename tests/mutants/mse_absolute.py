"""Mean absolute error where the guide asks for mean squared error."""
from impl import *  # noqa: F401,F403

MUTATED = ["mse"]
CAUGHT_BY = ["loss.mse.values"]


def mse(y_pred, y_true):
    return (y_true - y_pred).abs().mean()
