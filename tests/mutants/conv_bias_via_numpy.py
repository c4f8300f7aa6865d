"""conv2d adding its bias through numpy: right values, no gradient for b."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.gradient"]


def conv2d(x, w, b=None, stride=1, padding=0):
    out = _conv2d(x, w, None, stride, padding)
    return out if b is None else out + Tensor(b.numpy()).reshape(1, -1, 1, 1)
