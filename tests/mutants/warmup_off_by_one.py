"""Warmup that counts from 1: lr0 (t + 1) / warmup, so it never starts at 0 and jumps at the end."""
from impl import *  # noqa: F401,F403
from impl import cosine_annealing as _cosine

MUTATED = ["warmup_cosine"]
CAUGHT_BY = ["sched.warmup_cosine.values", "sched.warmup_cosine.shape"]


def warmup_cosine(lr0, t, warmup, T, lr_min=0.0):
    if t < warmup:
        return lr0 * (t + 1) / warmup
    return _cosine(lr0, t - warmup, T - warmup, lr_min)
