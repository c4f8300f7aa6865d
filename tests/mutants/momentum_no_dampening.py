"""Momentum without the (1 - beta) factor: v <- beta v + g (PyTorch's convention, not the guide's)."""
from impl import *  # noqa: F401,F403
from impl import Momentum as _Momentum

MUTATED = ["Momentum"]
CAUGHT_BY = ["optim.momentum.trajectory"]


class Momentum(_Momentum):
    def _update(self, i, p, g):
        v = self.v[i].assign(self.beta * self.v[i] + g)
        return p.assign((p - self.lr * v).cast(p.dtype))
