"""A neuron that applies sigmoid (the guide's section 4 example) where the contract asks for ReLU."""
from impl import *  # noqa: F401,F403
from impl import Neuron as _Neuron
from impl import sigmoid as _sigmoid

MUTATED = ["Neuron"]
CAUGHT_BY = ["neuron.forward", "neuron.tumor_example"]


class Neuron(_Neuron):
    def __call__(self, x):
        return _sigmoid(x @ self.w + self.b)
