"""Adam whose b2 default is 0.99 instead of 0.999."""
from impl import *  # noqa: F401,F403
from impl import Adam as _Adam

MUTATED = ["Adam"]
CAUGHT_BY = ["optim.adam.matches_tinygrad"]


class Adam(_Adam):
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.99, eps=1e-8):
        super().__init__(params, lr, b1, b2, eps)
