"""Momentum whose zero_grad() resets its own velocity instead of the parameters' gradients."""
from impl import *  # noqa: F401,F403
from impl import Momentum as _Momentum

MUTATED = ["Momentum"]
CAUGHT_BY = ["optim.momentum.zero_grad"]


class Momentum(_Momentum):
    def zero_grad(self):
        for v in self.v:
            v.assign(v * 0).realize()
