"""MLP.parameters() returning all weights first, then all biases."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP

MUTATED = ["MLP"]
CAUGHT_BY = ["mlp.structure"]


class MLP(_MLP):
    def parameters(self):
        return [layer.w for layer in self.linears] + [layer.b for layer in self.linears]
