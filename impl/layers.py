"""Section 6 of the guide: the fully connected layer, the MLP and its size."""
import math

from tinygrad import Tensor

from .activations import relu, softmax


class Linear:
    """z = x @ w + b with w of shape (n_in, n_out).

    Kaiming initialisation for ReLU: w ~ N(0, 2 / n_in). The fan-in is the
    first dimension because the layer multiplies from the right (x @ w);
    tinygrad's own ``Tensor.kaiming_uniform`` takes the fan from ``shape[1:]``.
    """

    def __init__(self, n_in: int, n_out: int):
        self.w = (Tensor.randn(n_in, n_out) * math.sqrt(2.0 / n_in)).realize()
        self.b = Tensor.zeros(n_out).contiguous().realize()

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.w + self.b

    def parameters(self) -> list[Tensor]:
        return [self.w, self.b]


def parameter_count(layers: list[int]) -> int:
    """Weights plus biases of an MLP with these layer sizes."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layers, layers[1:]))


class MLP:
    """Linear layers with ReLU between them and softmax at the end."""

    def __init__(self, layers: list[int]):
        self.linears = [Linear(n_in, n_out) for n_in, n_out in zip(layers, layers[1:])]

    def logits(self, x: Tensor) -> Tensor:
        for layer in self.linears[:-1]:
            x = relu(layer(x))
        return self.linears[-1](x)

    def __call__(self, x: Tensor) -> Tensor:
        return softmax(self.logits(x), axis=-1)

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.linears for p in layer.parameters()]
