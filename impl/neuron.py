"""Section 4 of the guide: one neuron, relu(x @ w + b)."""
from tinygrad import Tensor

from .activations import relu


class Neuron:
    def __init__(self, n_inputs: int):
        # Small random weights, as in the guide's section 14 snippet.
        self.w = Tensor.randn(n_inputs, 1) * 0.01
        self.b = Tensor.zeros(1)
        self.w.realize(); self.b.realize()

    def __call__(self, x: Tensor) -> Tensor:
        return relu(x @ self.w + self.b)

    def parameters(self) -> list[Tensor]:
        return [self.w, self.b]
