"""CCE without the leading minus sign: the loss is negative."""
from impl import *  # noqa: F401,F403

MUTATED = ["categorical_cross_entropy"]
CAUGHT_BY = ["loss.cce.values", "loss.cce.gradient"]


def categorical_cross_entropy(p, y_onehot):
    return (y_onehot * p.clip(1e-7, 1).log()).sum(axis=-1).mean()
