"""Section 10 of the guide: optimizers, weight decay and learning-rate schedules.

Each optimizer keeps the list of Tensors it was given and updates those very
objects in place with ``Tensor.assign``, reading the gradient that
``backward()`` left in ``.grad``.
"""
import math

from tinygrad import Tensor


class Optimizer:
    def __init__(self, params: list[Tensor], lr: float):
        self.params = list(params)
        self.lr = lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        updates = [self._update(i, p, p.grad.detach()) for i, p in enumerate(self.params) if p.grad is not None]
        Tensor.realize(*updates)

    def _update(self, i: int, p: Tensor, g: Tensor) -> Tensor:
        raise NotImplementedError


class SGD(Optimizer):
    """w <- w - lr * g"""

    def _update(self, i, p, g):
        return p.assign((p - self.lr * g).cast(p.dtype))


class Momentum(Optimizer):
    """v <- beta * v + (1 - beta) * g (v starts at 0); w <- w - lr * v: an average of past gradients."""

    def __init__(self, params, lr, beta=0.9):
        super().__init__(params, lr)
        self.beta = beta
        self.v = [Tensor.zeros(*p.shape, dtype=p.dtype).contiguous().realize() for p in self.params]

    def _update(self, i, p, g):
        v = self.v[i].assign(self.beta * self.v[i] + (1 - self.beta) * g)
        return p.assign((p - self.lr * v).cast(p.dtype))


class Adam(Optimizer):
    """The guide's section 10: bias-corrected moments, w <- w - lr * m_hat / (sqrt(v_hat) + eps).

    (The guide's quick reference puts eps inside the square root: erratum E03.)
    """

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        super().__init__(params, lr)
        self.b1, self.b2, self.eps = b1, b2, eps
        self.t = 0
        self.m = [Tensor.zeros(*p.shape, dtype=p.dtype).contiguous().realize() for p in self.params]
        self.v = [Tensor.zeros(*p.shape, dtype=p.dtype).contiguous().realize() for p in self.params]
        # b1^t and b2^t live in Tensors updated by the step itself, so a step
        # replayed by TinyJit stays correct (a Python number computed per step
        # would be frozen into the captured kernels, or force a recompilation).
        dtypes_ = dict.fromkeys(p.dtype for p in self.params)
        self._betas = {d: Tensor([b1, b2], dtype=d).contiguous().realize() for d in dtypes_}
        self._powers = {d: Tensor([1.0, 1.0], dtype=d).contiguous().realize() for d in dtypes_}

    def step(self):
        self.t += 1   # the step count t starts at 1
        for d, power in self._powers.items():
            power.assign(power * self._betas[d])
        super().step()
        Tensor.realize(*self._powers.values())

    def _update(self, i, p, g):
        m = self.m[i].assign(self.b1 * self.m[i] + (1 - self.b1) * g)
        v = self.v[i].assign(self.b2 * self.v[i] + (1 - self.b2) * g * g)
        power = self._powers[p.dtype]
        m_hat = m / (1 - power[0])
        v_hat = v / (1 - power[1])
        return p.assign((p - self.lr * m_hat / (v_hat.sqrt() + self.eps)).cast(p.dtype))


def l2_penalty(params: list[Tensor], lam: float) -> Tensor:
    """lam * sum of w^2 over every given Tensor (a 0-d Tensor)."""
    return lam * sum((p * p).sum() for p in params)


def step_decay(lr0: float, epoch: int, drop: float = 0.1, every: int = 10) -> float:
    return lr0 * drop ** (epoch // every)


def cosine_annealing(lr0: float, t: float, T: float, lr_min: float = 0.0) -> float:
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2


def warmup_cosine(lr0: float, t: float, warmup: float, T: float, lr_min: float = 0.0) -> float:
    if t < warmup:
        return lr0 * t / warmup
    return cosine_annealing(lr0, t - warmup, T - warmup, lr_min)
