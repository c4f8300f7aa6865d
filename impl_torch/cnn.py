"""Section 12 of the guide: convolution, pooling and the guide's SimpleCNN on torch.Tensors, written as sums
over the kernel's offsets (not F.conv2d or F.max_pool2d), so autograd differentiates the formula itself."""
import math

import torch

from .activations import relu, softmax
from .layers import Linear


def conv_output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """floor((n + 2p - k) / s) + 1"""
    return (n + 2 * p - k) // s + 1


def _window(x: torch.Tensor, i: int, j: int, out_h: int, out_w: int, stride: int) -> torch.Tensor:
    """x[..., i + stride*y, j + stride*x] for every output position (y, x)."""
    return x[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def _zero_pad(x: torch.Tensor, p: int) -> torch.Tensor:
    n, c, h, w = x.shape
    rows = x.new_zeros(n, c, p, w)
    x = torch.cat([rows, x, rows], dim=2)
    cols = x.new_zeros(n, c, h + 2 * p, p)
    return torch.cat([cols, x, cols], dim=3)


def conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None, stride: int = 1,
           padding: int = 0) -> torch.Tensor:
    """Cross-correlation, the kernel not flipped:
    out[n, o, y, x] = sum_c sum_i sum_j x_padded[n, c, y*stride + i, x*stride + j] * w[o, c, i, j] + b[o]"""
    n, c_in, h, width = x.shape
    c_out, c_in_w, kh, kw = w.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but w expects {c_in_w}")
    if padding:
        x = _zero_pad(x, padding)
    out_h, out_w = conv_output_size(h, kh, padding, stride), conv_output_size(width, kw, padding, stride)
    out = None
    for i in range(kh):
        for j in range(kw):
            patch = _window(x, i, j, out_h, out_w, stride)                  # (N, C_in, out_h, out_w)
            term = torch.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
            out = term if out is None else out + term
    if b is not None:
        out = out + b.reshape(1, c_out, 1, 1)
    return out


def max_pool2d(x: torch.Tensor, kernel: int = 2, stride: int | None = None) -> torch.Tensor:
    """The maximum of each kernel x kernel window; windows that do not fit are dropped."""
    stride = stride or kernel
    out_h = conv_output_size(x.shape[2], kernel, 0, stride)
    out_w = conv_output_size(x.shape[3], kernel, 0, stride)
    out = None
    for i in range(kernel):
        for j in range(kernel):
            patch = _window(x, i, j, out_h, out_w, stride)
            out = patch if out is None else torch.maximum(out, patch)
    return out


SIDE, KERNEL, PADDING, POOL = 28, 3, 1, 2
CHANNELS, HIDDEN, CLASSES = (1, 32, 64), 128, 10


class SimpleCNN:
    """conv 1->32 3x3 pad 1, ReLU, pool; conv 32->64 3x3 pad 1, ReLU, pool; 3136->128, ReLU; 128->10; softmax."""

    def __init__(self):
        (c0, c1, c2), side = CHANNELS, SIDE // POOL // POOL
        self.c1_w = _kaiming((c1, c0, KERNEL, KERNEL), fan_in=c0 * KERNEL * KERNEL)
        self.c1_b = torch.zeros(c1, requires_grad=True)
        self.c2_w = _kaiming((c2, c1, KERNEL, KERNEL), fan_in=c1 * KERNEL * KERNEL)
        self.c2_b = torch.zeros(c2, requires_grad=True)
        self.fc1 = Linear(c2 * side * side, HIDDEN)                           # 64 * 7 * 7 = 3136 inputs
        self.fc2 = Linear(HIDDEN, CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) -> (N, 3136), flattened in (C, H, W) order."""
        x = max_pool2d(relu(conv2d(x, self.c1_w, self.c1_b, padding=PADDING)), POOL)
        x = max_pool2d(relu(conv2d(x, self.c2_w, self.c2_b, padding=PADDING)), POOL)
        return x.reshape(x.shape[0], -1)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(relu(self.fc1(self.features(x))))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return softmax(self.logits(x), axis=-1)

    def parameters(self) -> list[torch.Tensor]:
        return [self.c1_w, self.c1_b, self.c2_w, self.c2_b, *self.fc1.parameters(), *self.fc2.parameters()]


def _kaiming(shape, fan_in):
    return (torch.randn(*shape) * math.sqrt(2.0 / fan_in)).requires_grad_()
