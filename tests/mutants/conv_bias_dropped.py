"""conv2d that never adds the bias: right whenever b is None; the explicit with-a-bias example of conv.conv2d.values
catches it in every profile, whatever the random draws give."""
from impl import *  # noqa: F401,F403
from impl import conv2d as _conv2d

MUTATED = ["conv2d"]
CAUGHT_BY = ["conv.conv2d.values"]


def conv2d(x, w, b=None, stride=1, padding=0):
    return _conv2d(x, w, None, stride=stride, padding=padding)
