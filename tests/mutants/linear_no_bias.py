"""Linear that holds a bias but never adds it: layer(x) = x @ w."""
from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.forward", "linear.gradient", "act.linear_collapse"]


class Linear(_Linear):
    def __call__(self, x):
        return x @ self.w
