"""Momentum that adds the whole gradient (v <- beta v + g), not (1 - beta) of it as the guide's average does."""
from impl import *  # noqa: F401,F403
from impl import Momentum as _Momentum

MUTATED = ["Momentum"]
CAUGHT_BY = ["optim.momentum.trajectory"]


class Momentum(_Momentum):
    def _update(self, i, p, g):
        self.v[i].mul_(self.beta).add_(g)
        p.sub_(self.lr * self.v[i])
