"""conv2d that flips the kernel (true convolution) where the guide computes cross-correlation."""
from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.values", "conv.conv2d.guide_example"]


def conv2d(x, w, b=None, stride=1, padding=0):
    return _conv2d(x, w.flip(2, 3), b, stride, padding)
