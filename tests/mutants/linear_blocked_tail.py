"""Linear (and so the MLP) computing x @ w in blocks of 128 input features and dropping the tail block: right
whenever n_in is at most 128 or a multiple of it, wrong for the guide's first layer (784 = 6 x 128 + 16)."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP, Linear as _Linear

MUTATED = ["Linear", "MLP"]
CAUGHT_BY = ["linear.forward", "fwd.mlp.layer_by_layer"]

BLOCK = 128


class Linear(_Linear):
    def __call__(self, x):
        n_in = x.shape[-1]
        if n_in <= BLOCK:
            return x @ self.w + self.b
        full = n_in // BLOCK * BLOCK      # the tail, n_in - full features, is never added
        return x[:, :full] @ self.w[:full] + self.b


class MLP(_MLP):
    def __init__(self, layers):
        self.linears = [Linear(n_in, n_out) for n_in, n_out in zip(layers, layers[1:])]
