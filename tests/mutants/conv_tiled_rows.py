"""conv2d computed in tiles of 10 output rows on large maps (H*W > 100), where every tile after the first
skips the kernel's last row: right on every small image, wrong on 28x28 MNIST images and 14x14 maps."""
import numpy as np
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.values"]

TILE = 10


def conv2d(x, w, b=None, stride=1, padding=0):
    full = _conv2d(x, w, b, stride, padding)
    if x.shape[2] * x.shape[3] <= 100:
        return full
    mask = np.ones(w.shape, np.float32)
    mask[:, :, -1, :] = 0
    short = _conv2d(x, w * Tensor(mask).cast(w.dtype), b, stride, padding)
    rows = (np.arange(full.shape[2]) < TILE).astype(np.float32).reshape(1, 1, -1, 1)
    keep = Tensor(rows).cast(full.dtype)
    return full * keep + short * (1 - keep)
