"""Linear that forgets its bias in the forward pass."""
from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.forward"]


class Linear(_Linear):
    def __call__(self, x):
        return x @ self.w
