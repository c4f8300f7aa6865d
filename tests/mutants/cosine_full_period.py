"""Cosine annealing over a whole period, cos(2 pi t / T), which climbs back to lr0 at t = T."""
import math

from impl import *  # noqa: F401,F403

MUTATED = ["cosine_annealing"]
CAUGHT_BY = ["sched.cosine.values", "sched.cosine.shape"]


def cosine_annealing(lr0, t, T, lr_min=0.0):
    return lr_min + (lr0 - lr_min) * (1 + math.cos(2 * math.pi * t / T)) / 2
