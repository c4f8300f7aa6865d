"""SGD that rebinds a new Tensor in its own list instead of changing the caller's Tensor in place."""
from impl import *  # noqa: F401,F403
from impl import SGD as _SGD

MUTATED = ["SGD"]
CAUGHT_BY = ["optim.sgd.trajectory"]


class SGD(_SGD):
    def step(self):
        self.params = [(p - self.lr * p.grad).detach().requires_grad_() if p.grad is not None else p
                       for p in self.params]
