"""Adam with eps inside the square root, as the guide's quick reference writes it: m_hat / sqrt(v_hat + eps)."""
from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.trajectory", "optim.adam.defaults"]


class Adam(_Adam):
    def _update(self, i, p, g):
        m = self.m[i].assign(self.b1 * self.m[i] + (1 - self.b1) * g)
        v = self.v[i].assign(self.b2 * self.v[i] + (1 - self.b2) * g * g)
        power = self._powers[p.dtype]
        m_hat, v_hat = m / (1 - power[0]), v / (1 - power[1])
        return p.assign((p - self.lr * m_hat / (v_hat + self.eps).sqrt()).cast(p.dtype))
