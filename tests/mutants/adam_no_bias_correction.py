"""Adam without bias correction: w <- w - lr m / (sqrt(v) + eps)."""
from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.trajectory", "optim.adam.defaults", "optim.adam.matches_tinygrad"]


class Adam(_Adam):
    def _update(self, i, p, g):
        m = self.m[i].assign(self.b1 * self.m[i] + (1 - self.b1) * g)
        v = self.v[i].assign(self.b2 * self.v[i] + (1 - self.b2) * g * g)
        return p.assign((p - self.lr * m / (v.sqrt() + self.eps)).cast(p.dtype))
