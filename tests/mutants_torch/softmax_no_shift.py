"""softmax without subtracting the maximum: e^z overflows for large logits (inf / inf = NaN)."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.stability"]


def softmax(z, axis=-1):
    e = torch.exp(z)
    return e / e.sum(dim=axis, keepdim=True)
