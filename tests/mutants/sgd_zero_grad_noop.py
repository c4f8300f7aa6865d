"""SGD whose zero_grad() does nothing, so gradients pile up across batches."""
from impl import *  # noqa: F401,F403
from impl import SGD as _SGD

MUTATED = ["SGD"]
CAUGHT_BY = ["optim.sgd.zero_grad", "loop.zero_grad"]


class SGD(_SGD):
    def zero_grad(self):
        pass
