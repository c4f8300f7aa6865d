"""NumpyNeuron.gradients gets the right numbers from PyTorch autograd instead of by hand (Project 1 forbids it)."""
import torch

from impl import *  # noqa: F401,F403
from impl.numpy_neuron import NumpyNeuron as _Reference

MUTATED = ["NumpyNeuron"]
CAUGHT_BY = ["p1.numpy_neuron.no_framework"]


class NumpyNeuron(_Reference):
    def gradients(self, x, y):
        w = torch.tensor(self.w, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(float(self.b), dtype=torch.float64, requires_grad=True)
        a = torch.sigmoid(torch.from_numpy(x) @ w + b)
        torch.mean((a - torch.from_numpy(y)) ** 2).backward()
        return w.grad.numpy(), float(b.grad)
