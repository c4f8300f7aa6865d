"""max_pool2d that averages each window instead of taking its maximum."""
from impl import *  # noqa: F401,F403
from impl.cnn import _window, conv_output_size

MUTATED = ["max_pool2d"]
CAUGHT_BY = ["pool.max_pool2d.values"]


def max_pool2d(x, kernel=2, stride=None):
    stride = stride or kernel
    out_h, out_w = conv_output_size(x.shape[2], kernel, 0, stride), conv_output_size(x.shape[3], kernel, 0, stride)
    total = sum(_window(x, i, j, out_h, out_w, stride) for i in range(kernel) for j in range(kernel))
    return total / (kernel * kernel)
