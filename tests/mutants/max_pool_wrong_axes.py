"""max_pool2d pooling over the channel and height axes instead of height and width."""
from impl import *  # noqa: F401,F403
from impl import max_pool2d as _max_pool2d

MUTATED = ["max_pool2d"]
CAUGHT_BY = ["pool.max_pool2d.values"]


def max_pool2d(x, kernel=2, stride=None):
    if x.shape[1] < kernel:   # not enough channels to pool over: fall back to the right axes
        return _max_pool2d(x, kernel, stride)
    return _max_pool2d(x.permute(0, 3, 1, 2), kernel, stride).permute(0, 2, 3, 1)
