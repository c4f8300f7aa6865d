"""Batch norm with the unbiased variance (divide by n - 1) instead of the batch's own biased variance."""
from impl import *  # noqa: F401,F403

MUTATED = ["batch_norm"]
CAUGHT_BY = ["reg.batch_norm.values", "reg.batch_norm.gradient"]


def batch_norm(z, gamma, beta, eps=1e-5):
    axes, shape = ((0,), (1, -1)) if z.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))
    n = z.numel() // z.shape[1]
    mean = z.mean(axis=axes, keepdim=True)
    var = ((z - mean) ** 2).sum(axis=axes, keepdim=True) / (n - 1)
    return (z - mean) / (var + eps).sqrt() * gamma.reshape(shape) + beta.reshape(shape)
