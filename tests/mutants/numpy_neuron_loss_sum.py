"""NumpyNeuron.loss sums the squared errors instead of averaging them (the gradients still average)."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.numpy_neuron import NumpyNeuron as _Reference

MUTATED = ["NumpyNeuron"]
CAUGHT_BY = ["p1.numpy_neuron.loss", "p1.numpy_neuron.gradients"]


class NumpyNeuron(_Reference):
    def loss(self, x, y):
        return float(np.sum((self.forward(x) - y) ** 2))
