"""Section 4 of the guide: one neuron, relu(x @ w + b), holding torch.Tensors that require a gradient."""
import torch

from .activations import relu


class Neuron:
    def __init__(self, n_inputs: int):
        self.w = (torch.randn(n_inputs, 1) * 0.01).requires_grad_()
        self.b = torch.zeros(1, requires_grad=True)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return relu(x @ self.w + self.b)

    def parameters(self) -> list[torch.Tensor]:
        return [self.w, self.b]
