"""softmax normalised over the first axis (the batch) instead of the given one."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.values", "act.softmax.sums_to_one"]


def softmax(z, axis=-1):
    e = torch.exp(z - torch.amax(z, dim=0, keepdim=True).detach())
    return e / e.sum(dim=0, keepdim=True)
