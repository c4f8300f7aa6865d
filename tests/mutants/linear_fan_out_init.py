"""The guide's section 14 Linear: Tensor.kaiming_uniform(n_in, n_out), whose fan is taken from shape[1:] = n_out."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.init_kaiming"]


class Linear(_Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.w = Tensor.kaiming_uniform(n_in, n_out).realize()
