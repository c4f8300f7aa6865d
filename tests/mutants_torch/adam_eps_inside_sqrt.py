"""Adam with eps inside the square root, sqrt(v_hat + eps): the quick reference's formula (erratum E03)."""
import torch

from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.trajectory"]


class Adam(_Adam):
    def _update(self, i, p, g):
        m = self.m[i].mul_(self.b1).add_((1 - self.b1) * g)
        v = self.v[i].mul_(self.b2).add_((1 - self.b2) * g * g)
        m_hat, v_hat = m / (1 - self.b1 ** self.t), v / (1 - self.b2 ** self.t)
        p.sub_(self.lr * m_hat / torch.sqrt(v_hat + self.eps))
