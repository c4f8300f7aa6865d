"""l2_penalty with a factor 1/2: lam/2 Σ w^2 (a common convention, not the guide's)."""
from impl import *  # noqa: F401,F403

MUTATED = ["l2_penalty"]
CAUGHT_BY = ["reg.l2.values", "reg.l2.gradient", "reg.l2.weight_decay"]


def l2_penalty(params, lam):
    return lam / 2 * sum((p * p).sum() for p in params)
