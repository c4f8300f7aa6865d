"""MLP ending in e^z / Σ e^z without subtracting the maximum: NaN once a logit exceeds ~88."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP

MUTATED = ["MLP"]
CAUGHT_BY = ["fwd.mlp.probabilities"]


class MLP(_MLP):
    def __call__(self, x):
        e = self.logits(x).exp()
        return e / e.sum(axis=-1, keepdim=True)
