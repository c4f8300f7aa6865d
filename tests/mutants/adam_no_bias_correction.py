"""Adam without bias correction: w <- w - lr m / (sqrt(v) + eps)."""
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.trajectory", "optim.adam.defaults", "optim.adam.matches_tinygrad"]


class Adam(_Adam):
    def step(self):
        self.t += 1
        self._corrections = {p.dtype: Tensor([1.0, 1.0], dtype=p.dtype) for p in self.params}
        super(_Adam, self).step()
