"""MLP with no ReLU between the layers (so it collapses to one linear map)."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP
from impl import softmax as _softmax

MUTATED = ["MLP"]
CAUGHT_BY = ["fwd.mlp.layer_by_layer", "p1.xor.mlp_solves"]


class MLP(_MLP):
    def __call__(self, x):
        for layer in self.linears:
            x = layer(x)
        return _softmax(x)
