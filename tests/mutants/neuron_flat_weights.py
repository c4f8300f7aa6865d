"""Neuron storing w as a 1-D vector of shape (n,), so neuron(x) has shape (batch,) instead of (batch, 1)."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import Neuron as _Neuron

MUTATED = ["Neuron"]
CAUGHT_BY = ["neuron.shapes"]


class Neuron(_Neuron):
    def __init__(self, n_inputs):
        super().__init__(n_inputs)
        self.w = (Tensor.randn(n_inputs) * 0.01).realize()
