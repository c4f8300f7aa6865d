"""hflip that reverses the height axis (a vertical flip)."""
from impl import *  # noqa: F401,F403

MUTATED = ["hflip"]
CAUGHT_BY = ["aug.flips"]


def hflip(img):
    return img[..., ::-1, :].copy()
