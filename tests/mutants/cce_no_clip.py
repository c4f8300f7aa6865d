"""CCE without clipping: 0 * log(0) = 0 * -inf = NaN as soon as some p_ik is 0."""
from impl import *  # noqa: F401,F403

MUTATED = ["categorical_cross_entropy"]
CAUGHT_BY = ["loss.cce.zero_probabilities"]


def categorical_cross_entropy(p, y_onehot):
    return -(y_onehot * p.log()).sum(axis=-1).mean()
