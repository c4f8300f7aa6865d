"""Neuron.parameters() returning [b, w]."""
from impl import *  # noqa: F401,F403
from impl import Neuron as _Neuron

MUTATED = ["Neuron"]
CAUGHT_BY = ["neuron.parameters"]


class Neuron(_Neuron):
    def parameters(self):
        return [self.b, self.w]
