"""random_crop that never pads, so a full-size crop is always the image itself."""
from impl import *  # noqa: F401,F403
from impl import random_crop as _random_crop

MUTATED = ["random_crop"]
CAUGHT_BY = ["aug.random_crop"]


def random_crop(img, size, padding, rng):
    return _random_crop(img, size, 0, rng)
