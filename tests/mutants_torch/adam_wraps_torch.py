"""Adam delegates to torch.optim.Adam: right numbers, but Project 4 asks for the optimizer's own code."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["Adam"]
CAUGHT_BY = ["p4.adam.own_code"]


class Adam:
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.params = list(params)
        self._inner = torch.optim.Adam(self.params, lr=lr, betas=(b1, b2), eps=eps)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self._inner.step()
