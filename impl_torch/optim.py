"""Section 10 of the guide: optimizers, weight decay and learning-rate schedules, for torch.Tensors.
Each optimizer keeps the list of Tensors it was given and changes those very objects in place under
torch.no_grad(), reading the gradient that backward() (or the caller) left in ``.grad``; not torch.optim."""
import math

import torch


class Optimizer:
    def __init__(self, params: list[torch.Tensor], lr: float):
        self.params = list(params)
        self.lr = lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p, p.grad)

    def _update(self, i: int, p: torch.Tensor, g: torch.Tensor) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """w <- w - lr * g"""

    def _update(self, i, p, g):
        p.sub_(self.lr * g)


class Momentum(Optimizer):
    """v <- beta * v + (1 - beta) * g (v starts at 0); w <- w - lr * v."""

    def __init__(self, params, lr, beta=0.9):
        super().__init__(params, lr)
        self.beta = beta
        self.v = [torch.zeros_like(p, requires_grad=False) for p in self.params]

    def _update(self, i, p, g):
        self.v[i].mul_(self.beta).add_((1 - self.beta) * g)
        p.sub_(self.lr * self.v[i])


class Adam(Optimizer):
    """Bias-corrected moments, w <- w - lr * m_hat / (sqrt(v_hat) + eps): eps outside the root (erratum E03)."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        super().__init__(params, lr)
        self.b1, self.b2, self.eps = b1, b2, eps
        self.t = 0
        self.m = [torch.zeros_like(p, requires_grad=False) for p in self.params]
        self.v = [torch.zeros_like(p, requires_grad=False) for p in self.params]

    def step(self):
        self.t += 1   # the step count t starts at 1
        super().step()

    def _update(self, i, p, g):
        m = self.m[i].mul_(self.b1).add_((1 - self.b1) * g)
        v = self.v[i].mul_(self.b2).add_((1 - self.b2) * g * g)
        m_hat = m / (1 - self.b1 ** self.t)
        v_hat = v / (1 - self.b2 ** self.t)
        p.sub_(self.lr * m_hat / (torch.sqrt(v_hat) + self.eps))


def l2_penalty(params: list[torch.Tensor], lam: float) -> torch.Tensor:
    """lam * the sum of w^2 over every given Tensor (a 0-d Tensor)."""
    return lam * sum((p * p).sum() for p in params)


def step_decay(lr0: float, epoch: int, drop: float = 0.1, every: int = 10) -> float:
    return lr0 * drop ** (epoch // every)


def cosine_annealing(lr0: float, t: float, T: float, lr_min: float = 0.0) -> float:
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2


def warmup_cosine(lr0: float, t: float, warmup: float, T: float, lr_min: float = 0.0) -> float:
    if t < warmup:
        return lr0 * t / warmup
    return cosine_annealing(lr0, t - warmup, T - warmup, lr_min)
