"""A neuron that forgets its bias: relu(x @ w)."""
from impl import *  # noqa: F401,F403
from impl import Neuron as _Neuron

MUTATED = ["Neuron"]
CAUGHT_BY = ["neuron.forward", "neuron.gradient", "backprop.one_layer_by_hand"]


class Neuron(_Neuron):
    def __call__(self, x):
        return (x @ self.w).relu()
