"""Float64 oracles: the guide's formulas in numpy, and the same in PyTorch.

Every function takes float64 numpy arrays. ``*_scale`` functions give the
magnitude used by the tolerance policy (aifund/kit/tolerance.py).
"""
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from aifund.kit.tolerance import SAFETY, unit_roundoff

GELU_K = 1.702


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def d_sigmoid(z):
    s = sigmoid(z)
    return s * (1 - s)


def gelu(z):
    return z * sigmoid(GELU_K * z)


def d_gelu(z):
    return sigmoid(GELU_K * z) + GELU_K * z * d_sigmoid(GELU_K * z)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def d_leaky_relu(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class Elementwise:
    """An activation: its float64 formula, derivative, torch twin and rounding floor."""
    f: Callable
    df: Callable
    torch_f: Callable
    floor: float  # size of the intermediates the formula subtracts

    def scale(self, z, **kw):
        return np.abs(self.f(z, **kw)) + np.abs(z * self.df(z, **kw)) + self.floor


ELEMENTWISE = {
    "sigmoid": Elementwise(lambda z: sigmoid(z), lambda z: d_sigmoid(z), torch.sigmoid, 1.0),
    "tanh": Elementwise(lambda z: np.tanh(z), lambda z: 1 - np.tanh(z) ** 2, torch.tanh, 1.0),
    "relu": Elementwise(lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0, torch.relu, 0.0),
    "leaky_relu": Elementwise(leaky_relu, d_leaky_relu,
                              lambda t, alpha=0.01: torch.nn.functional.leaky_relu(t, alpha), 0.0),
    "gelu": Elementwise(lambda z: gelu(z), lambda z: d_gelu(z),
                        lambda t: t * torch.sigmoid(GELU_K * t), 0.0),
}


def softmax_scale(z, axis=-1, shifted=False):
    """|p| * (K + |z_i - r| + max_j |z_j - r|) + 1, r = max (shifted) or 0 (plain formula)."""
    ref = z.max(axis=axis, keepdims=True) if shifted else 0.0
    k = z.shape[axis]
    spread = np.abs(z - ref)
    return softmax(z, axis) * (k + spread + spread.max(axis=axis, keepdims=True)) + 1.0


# ---------------------------------------------------------------- layers
def linear(x, w, b):
    return x @ w + b


def linear_scale(x, w, b):
    return np.abs(x) @ np.abs(w) + np.abs(b)


def relu(z):
    return np.maximum(z, 0)


def mlp_forward(x, params):
    """softmax(relu(...relu(x W1 + b1)...) Wk + bk) and a first-order bound on its float32 error.

    The bound propagates each layer's rounding (K u (|a| @ |W| + |b|)) and the
    previous layers' error (|e| @ |W|; ReLU is 1-Lipschitz), then through
    softmax: |dp_i| <= p_i (|dz_i| + Σ_j p_j |dz_j|).
    Returned as a scale for ``forward_bound(float32, scale, n_terms=1)``.
    """
    u = unit_roundoff(np.float32)
    pairs = list(zip(params[0::2], params[1::2]))
    a, err = x, np.zeros_like(x)
    for i, (w, b) in enumerate(pairs):
        z = a @ w + b
        err = SAFETY * u * (w.shape[0] + 1) * (np.abs(a) @ np.abs(w) + np.abs(b)) + err @ np.abs(w)
        a = relu(z) if i < len(pairs) - 1 else z
    p = softmax(a)
    dp = p * (err + (p * err).sum(-1, keepdims=True))
    # Express as a scale: forward_bound multiplies by SAFETY * u * 2 and adds softmax's own rounding.
    scale = dp / (SAFETY * u * 2) + softmax_scale(a, shifted=False)
    return p, scale


def torch_mlp(x, params):
    pairs = list(zip(params[0::2], params[1::2]))
    for i, (w, b) in enumerate(pairs):
        x = x @ w + b
        if i < len(pairs) - 1:
            x = torch.relu(x)
    return torch.softmax(x, dim=-1)


# ---------------------------------------------------------------- losses
def mse(y_pred, y_true):
    return np.mean((y_true - y_pred) ** 2)


def mse_scale(y_pred, y_true):
    return np.mean((y_true - y_pred) ** 2) * 3


def bce(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_scale(p, y):
    return np.mean(2 + np.abs(y * np.log(p)) + np.abs((1 - y) * np.log(1 - p)))


def torch_bce(p, y):
    return torch.nn.functional.binary_cross_entropy(p, y)


def cce(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y != 0, y * np.log(p), 0.0)
    return -terms.sum(axis=-1).mean()


def cce_scale(p, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y != 0, np.abs(y) * (1 + np.abs(np.log(p))), 0.0)
    return terms.sum(axis=-1).mean() + 1.0


def torch_cce(p, y):
    return -(y * torch.log(p)).sum(dim=-1).mean()


# ---------------------------------------------------------------- optimizers (float64 transcriptions)
def sgd_trajectory(w0, grads, lr):
    w, out = w0.copy(), []
    for g in grads:
        w = w - lr * g
        out.append(w)
    return out


def momentum_trajectory(w0, grads, lr, beta=0.9):
    w, v, out = w0.copy(), np.zeros_like(w0), []
    for g in grads:
        v = beta * v + (1 - beta) * g
        w = w - lr * v
        out.append(w)
    return out


def adam_trajectory(w0, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    w, m, v, out = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w)
    return out


def early_stopping_reference(losses, patience, min_delta=0.0):
    """[(returned, best_loss, best_epoch)] after each call; a loss that is not finite never improves."""
    best, best_epoch, bad, out = float("inf"), -1, 0, []
    for epoch, loss in enumerate(losses):
        if math.isfinite(loss) and loss < best - min_delta:
            best, best_epoch, bad = loss, epoch, 0
        else:
            bad += 1
        out.append((bad >= patience, best, best_epoch))
    return out


# ---------------------------------------------------------------- convolution and the CNN
def conv2d(x, w, b=None, stride=1, padding=0):
    """Cross-correlation in float64 numpy: a direct transcription of the sum."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def max_pool2d(x, kernel=2, stride=None):
    stride = stride or kernel
    n, c, h, w = x.shape
    oh, ow = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(kernel):
        for j in range(kernel):
            out = np.maximum(out, x[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride])
    return out


def torch_cnn(x, params):
    """The guide's SimpleCNN in PyTorch (float64), weights in the contract's layout."""
    f = torch.nn.functional
    c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b = params
    x = f.max_pool2d(torch.relu(f.conv2d(x, c1w, c1b, padding=1)), 2)
    x = f.max_pool2d(torch.relu(f.conv2d(x, c2w, c2b, padding=1)), 2)
    x = x.flatten(1)
    x = torch.relu(x @ f1w + f1b)
    return torch.softmax(x @ f2w + f2b, dim=-1)
