"""Section 6 of the guide: the fully connected layer, the MLP and its size, as plain classes holding
torch.Tensors (not torch.nn.Module: the kit sets ``w`` and ``b`` by attribute, which a Module refuses for a
registered Parameter)."""
import math

import torch

from .activations import relu, softmax


class Linear:
    """z = x @ w + b, w of shape (n_in, n_out), Kaiming-initialised for ReLU: w ~ N(0, 2 / n_in)."""

    def __init__(self, n_in: int, n_out: int):
        self.w = (torch.randn(n_in, n_out) * math.sqrt(2.0 / n_in)).requires_grad_()
        self.b = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b

    def parameters(self) -> list[torch.Tensor]:
        return [self.w, self.b]


def parameter_count(layers: list[int]) -> int:
    """Weights plus biases of an MLP with these layer sizes."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layers, layers[1:]))


class MLP:
    """Linear layers with ReLU between them and softmax at the end."""

    def __init__(self, layers: list[int]):
        self.linears = [Linear(n_in, n_out) for n_in, n_out in zip(layers, layers[1:])]

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.linears[:-1]:
            x = relu(layer(x))
        return self.linears[-1](x)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return softmax(self.logits(x), axis=-1)

    def parameters(self) -> list[torch.Tensor]:
        return [p for layer in self.linears for p in layer.parameters()]
