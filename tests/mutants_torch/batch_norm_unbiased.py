"""batch_norm with the unbiased variance (divided by N - 1), not the batch's own biased one."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["batch_norm"]
CAUGHT_BY = ["reg.batch_norm.values"]


def batch_norm(z, gamma, beta, eps=1e-5):
    axes, shape = ((0,), (1, -1)) if z.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))
    mean = z.mean(dim=axes, keepdim=True)
    var = z.var(dim=axes, keepdim=True, unbiased=True)
    return (z - mean) / torch.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)
