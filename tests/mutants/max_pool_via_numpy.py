"""max_pool2d computed in numpy and wrapped in a new Tensor: right values, the graph is cut."""
import numpy as np
from tinygrad import Tensor

from impl import *  # noqa: F401,F403

MUTATED = ["max_pool2d"]
CAUGHT_BY = ["pool.max_pool2d.gradient"]


def max_pool2d(x, kernel=2, stride=None):
    stride = stride or kernel
    a = x.numpy()
    n, c, h, w = a.shape
    oh, ow = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    out = np.full((n, c, oh, ow), -np.inf, dtype=a.dtype)
    for i in range(kernel):
        for j in range(kernel):
            out = np.maximum(out, a[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride])
    return Tensor(out)
