"""Adam whose zero_grad does nothing: gradients of successive batches add up."""
from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.zero_grad"]


class Adam(_Adam):
    def zero_grad(self):
        pass
