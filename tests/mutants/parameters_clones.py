"""parameters() returning clones of w and b (new buffers, no forging): writing into them, or an optimizer
stepping them, never reaches the layers, so a training loop written this way never learns."""
from impl import *  # noqa: F401,F403
from impl import MLP as _MLP, Linear as _Linear, Neuron as _Neuron

MUTATED = ["Linear", "MLP", "Neuron"]
CAUGHT_BY = ["linear.parameters", "mlp.structure", "neuron.parameters"]


class Linear(_Linear):
    def parameters(self):
        return [self.w.clone(), self.b.clone()]


class Neuron(_Neuron):
    def parameters(self):
        return [self.w.clone(), self.b.clone()]


class MLP(_MLP):
    def __init__(self, layers):
        # its layers are the Linear above: the reference's MLP.parameters() collects their clones
        self.linears = [Linear(n_in, n_out) for n_in, n_out in zip(layers, layers[1:])]
