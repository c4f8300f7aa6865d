"""SGD that stores new Tensors in its own list instead of updating the caller's Tensors in place."""
from impl import *  # noqa: F401,F403
from impl import SGD as _SGD

MUTATED = ["SGD"]
CAUGHT_BY = ["optim.sgd.trajectory", "loop.one_iteration"]


class SGD(_SGD):
    def step(self):
        self.params = [(p - self.lr * p.grad).realize() if p.grad is not None else p for p in self.params]
