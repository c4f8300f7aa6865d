"""Section 12 of the guide: convolution, pooling and the guide's SimpleCNN."""
import math

from tinygrad import Tensor

from .activations import relu, softmax
from .layers import Linear


def conv_output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """floor((n + 2p - k) / s) + 1"""
    return (n + 2 * p - k) // s + 1


def _window(x: Tensor, i: int, j: int, out_h: int, out_w: int, stride: int) -> Tensor:
    """x[..., i + stride*y, j + stride*x] for every output position (y, x)."""
    return x[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def conv2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """Cross-correlation as in the guide's worked example (the kernel is not flipped):

    out[n, o, y, x] = Σ_c Σ_i Σ_j x_padded[n, c, y*stride + i, x*stride + j] * w[o, c, i, j] + b[o]
    """
    n, c_in, h, width = x.shape
    c_out, c_in_w, kh, kw = w.shape
    assert c_in == c_in_w, f"x has {c_in} channels but w expects {c_in_w}"
    if padding:
        x = x.pad(((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = conv_output_size(h, kh, padding, stride), conv_output_size(width, kw, padding, stride)
    out = None
    for i in range(kh):
        for j in range(kw):
            patch = _window(x, i, j, out_h, out_w, stride)                   # (N, C_in, out_h, out_w)
            term = (patch.unsqueeze(1) * w[:, :, i, j].reshape(1, c_out, c_in, 1, 1)).sum(axis=2)
            out = term if out is None else out + term
    if b is not None:
        out = out + b.reshape(1, c_out, 1, 1)
    return out


def max_pool2d(x: Tensor, kernel: int = 2, stride: int | None = None) -> Tensor:
    """The maximum of each kernel x kernel window; windows that do not fit are dropped."""
    stride = stride or kernel
    out_h = conv_output_size(x.shape[2], kernel, 0, stride)
    out_w = conv_output_size(x.shape[3], kernel, 0, stride)
    out = None
    for i in range(kernel):
        for j in range(kernel):
            patch = _window(x, i, j, out_h, out_w, stride)
            out = patch if out is None else out.maximum(patch)
    return out


# SimpleCNN's layers in order, written once: the model below walks this list, and so do its numpy, ONNX,
# INT8 and PyTorch versions (aifund/edge/). A number is the index in parameters() of a weight; its bias follows.
LAYOUT = (("conv", 0), ("relu",), ("pool",), ("conv", 2), ("relu",), ("pool",), ("flatten",),
          ("dense", 4), ("relu",), ("dense", 6))
SIDE, KERNEL, PADDING, POOL = 28, 3, 1, 2   # 28x28 images; 3x3 convolutions with padding 1 keep the size; 2x2 pools halve it
CHANNELS, HIDDEN, CLASSES = (1, 32, 64), 128, 10
_FLATTENED = LAYOUT.index(("flatten",)) + 1


class SimpleCNN:
    """conv 1->32 3x3 pad 1, ReLU, pool; conv 32->64 3x3 pad 1, ReLU, pool; 3136->128, ReLU; 128->10; softmax.

    The layers call tinygrad's own ``Tensor.conv2d`` and ``Tensor.max_pool2d``,
    which compute the same cross-correlation and pooling as :func:`conv2d` and
    :func:`max_pool2d` above (the conv and pool items check both against
    PyTorch). The explicit k x k sum is there to be read; its backward pass
    takes minutes to compile at SimpleCNN's sizes, too slow to train with.
    """

    def __init__(self):
        (c0, c1, c2), side = CHANNELS, SIDE // POOL // POOL
        self.c1_w = _kaiming((c1, c0, KERNEL, KERNEL), fan_in=c0 * KERNEL * KERNEL)
        self.c1_b = Tensor.zeros(c1).contiguous().realize()
        self.c2_w = _kaiming((c2, c1, KERNEL, KERNEL), fan_in=c1 * KERNEL * KERNEL)
        self.c2_b = Tensor.zeros(c2).contiguous().realize()
        self.fc1 = Linear(c2 * side * side, HIDDEN)                            # 64 * 7 * 7 = 3136 inputs
        self.fc2 = Linear(HIDDEN, CLASSES)

    def _run(self, x: Tensor, steps) -> Tensor:
        p = self.parameters()
        for op, *w in steps:
            if op == "conv":
                x = x.conv2d(p[w[0]], p[w[0] + 1], padding=PADDING)
            elif op == "relu":
                x = relu(x)
            elif op == "pool":
                x = x.max_pool2d(POOL)
            elif op == "flatten":
                x = x.reshape(x.shape[0], -1)                                  # (N, 3136), (C, H, W) order
            else:
                x = x @ p[w[0]] + p[w[0] + 1]
        return x

    def features(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> (N, 3136): the layers up to and including the flatten."""
        return self._run(x, LAYOUT[:_FLATTENED])

    def logits(self, x: Tensor) -> Tensor:
        """The features, then the dense layers after the flatten."""
        return self._run(self.features(x), LAYOUT[_FLATTENED:])

    def __call__(self, x: Tensor) -> Tensor:
        return softmax(self.logits(x), axis=-1)

    def parameters(self) -> list[Tensor]:
        return [self.c1_w, self.c1_b, self.c2_w, self.c2_b, *self.fc1.parameters(), *self.fc2.parameters()]


def _kaiming(shape, fan_in):
    return (Tensor.randn(*shape) * math.sqrt(2.0 / fan_in)).realize()
