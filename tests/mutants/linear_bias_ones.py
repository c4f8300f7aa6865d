"""Linear whose bias starts at one instead of zero."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.init_bias_zero"]


class Linear(_Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.b = Tensor.ones(n_out).contiguous().realize()
