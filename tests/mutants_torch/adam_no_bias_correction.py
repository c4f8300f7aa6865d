"""Adam without bias correction: the first steps are far too small (m and v start at 0)."""
import torch

from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.trajectory", "optim.adam.matches_torch"]


class Adam(_Adam):
    def _update(self, i, p, g):
        m = self.m[i].mul_(self.b1).add_((1 - self.b1) * g)
        v = self.v[i].mul_(self.b2).add_((1 - self.b2) * g * g)
        p.sub_(self.lr * m / (torch.sqrt(v) + self.eps))
