"""Linear that adds its bias through numpy: the forward values are right, b gets no gradient."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.gradient"]


class Linear(_Linear):
    def __call__(self, x):
        return x @ self.w + Tensor(self.b.numpy())
