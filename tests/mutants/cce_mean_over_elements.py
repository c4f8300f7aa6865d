"""CCE averaging over all N*K elements: .mean() where the formula sums over classes first."""
from impl import *  # noqa: F401,F403

MUTATED = ["categorical_cross_entropy"]
CAUGHT_BY = ["loss.cce.values", "loss.cce.mean_over_samples"]


def categorical_cross_entropy(p, y_onehot):
    return -(y_onehot * p.clip(1e-7, 1).log()).mean()
