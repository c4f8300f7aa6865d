"""MLP applying ReLU to the last layer too, before softmax."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP
from impl import softmax as _softmax

MUTATED = ["MLP"]
CAUGHT_BY = ["fwd.mlp.layer_by_layer"]


class MLP(_MLP):
    def __call__(self, x):
        for layer in self.linears:
            x = layer(x).relu()
        return _softmax(x)
