"""max_pool2d whose stride defaults to 1 instead of the kernel size (overlapping windows)."""
from impl import *  # noqa: F401,F403
from impl import max_pool2d as _max_pool2d

MUTATED = ["max_pool2d"]
CAUGHT_BY = ["pool.max_pool2d.values", "pool.max_pool2d.guide_example"]


def max_pool2d(x, kernel=2, stride=None):
    return _max_pool2d(x, kernel, stride or 1)
