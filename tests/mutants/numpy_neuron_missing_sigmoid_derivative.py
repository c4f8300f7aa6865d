"""NumpyNeuron.gradients forgets the sigmoid's derivative a (1 - a) in the chain rule."""
from impl import *  # noqa: F401,F403
from impl.numpy_neuron import NumpyNeuron as _Reference

MUTATED = ["NumpyNeuron"]
CAUGHT_BY = ["p1.numpy_neuron.gradients"]


class NumpyNeuron(_Reference):
    def gradients(self, x, y):
        dz = 2.0 * (self.forward(x) - y) / len(y)
        return x.T @ dz, float(dz.sum())
