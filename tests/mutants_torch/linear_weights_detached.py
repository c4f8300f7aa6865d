"""Linear reads its weights through .detach(): the forward pass is right, the weights get no gradient."""
from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.gradient"]


class Linear(_Linear):
    def __call__(self, x):
        return x @ self.w.detach() + self.b
