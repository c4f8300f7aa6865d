"""MLP normalising its output over the batch axis, so each sample's probabilities depend on the others."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP
from impl import softmax as _softmax

MUTATED = ["MLP"]
CAUGHT_BY = ["fwd.mlp.layer_by_layer", "fwd.batch_independence"]


class MLP(_MLP):
    def __call__(self, x):
        return _softmax(self.logits(x), axis=0)
