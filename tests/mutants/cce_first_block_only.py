"""categorical cross-entropy that sums the first 32 rows only (a blocked loop that never runs its second block)
but divides by N: right for every batch of up to 32 rows, wrong on a batch of 64 predictions."""
from impl import *  # noqa: F401,F403

MUTATED = ["categorical_cross_entropy"]
CAUGHT_BY = ["loss.cce.values", "loss.cce.gradient", "loss.cce.zero_probabilities", "loss.cce.mean_over_samples"]

BLOCK = 32


def categorical_cross_entropy(p, y_onehot):
    n = p.shape[0]
    first = slice(0, min(n, BLOCK))
    return -(y_onehot[first] * p[first].clip(1e-7, 1).log()).sum() / n
