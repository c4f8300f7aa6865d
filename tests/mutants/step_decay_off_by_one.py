"""step_decay that drops one epoch early: floor((epoch + 1) / every)."""
from impl import *  # noqa: F401,F403

MUTATED = ["step_decay"]
CAUGHT_BY = ["sched.step_decay.values"]


def step_decay(lr0, epoch, drop=0.1, every=10):
    return lr0 * drop ** ((epoch + 1) // every)
