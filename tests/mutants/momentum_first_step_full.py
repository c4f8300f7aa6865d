"""Momentum whose first velocity is the whole first gradient (PyTorch's SGD with dampening=beta), not (1 - beta) g."""
from impl import *  # noqa: F401,F403
from impl import Momentum as _Momentum

MUTATED = ["Momentum"]
CAUGHT_BY = ["optim.momentum.trajectory"]


class Momentum(_Momentum):
    started = False

    def step(self):
        if not self.started:
            # With v0 = g, the update beta*v0 + (1 - beta)*g gives v1 = g.
            for v, p in zip(self.v, self.params):
                v.assign(p.grad.detach()).realize()
            self.started = True
        super().step()
