"""Batch norm that, for (N, C, H, W), normalises over the batch axis only instead of (N, H, W)."""
from impl import *  # noqa: F401,F403

MUTATED = ["batch_norm"]
CAUGHT_BY = ["reg.batch_norm.values"]


def batch_norm(z, gamma, beta, eps=1e-5):
    shape = (1, -1) if z.ndim == 2 else (1, -1, 1, 1)
    mean = z.mean(axis=0, keepdim=True)
    var = ((z - mean) ** 2).mean(axis=0, keepdim=True)
    return (z - mean) / (var + eps).sqrt() * gamma.reshape(shape) + beta.reshape(shape)
