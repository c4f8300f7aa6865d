"""NumpyNeuron.forward applies ReLU instead of the sigmoid the project asks for."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.numpy_neuron import NumpyNeuron as _Reference

MUTATED = ["NumpyNeuron"]
CAUGHT_BY = ["p1.numpy_neuron.forward", "p1.numpy_neuron.loss"]


class NumpyNeuron(_Reference):
    def forward(self, x):
        return np.maximum(x @ self.w + self.b, 0.0)
