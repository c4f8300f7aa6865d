"""NumpyNeuron keeps w as a column (n, 1), so forward returns (batch, 1) instead of (batch,)."""
import numpy as np

from impl import *  # noqa: F401,F403
from impl.numpy_neuron import NumpyNeuron as _Reference

MUTATED = ["NumpyNeuron"]
CAUGHT_BY = ["p1.numpy_neuron.shapes"]


class NumpyNeuron(_Reference):
    def __init__(self, n_inputs, seed=None):
        super().__init__(n_inputs, seed)
        self.w = self.w.reshape(-1, 1)
