"""conv2d that flips the kernel (a true convolution), not the guide's cross-correlation."""
import torch

from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.values"]


def conv2d(x, w, b=None, stride=1, padding=0):
    return _conv2d(x, torch.flip(w, dims=(2, 3)), b, stride, padding)
