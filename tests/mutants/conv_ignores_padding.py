"""conv2d that accepts padding= but never pads: 28x28 shrinks to 26x26 in SimpleCNN's first layer."""
from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.values", "cnn.stage_shapes"]


def conv2d(x, w, b=None, stride=1, padding=0):
    return _conv2d(x, w, b, stride, 0)
