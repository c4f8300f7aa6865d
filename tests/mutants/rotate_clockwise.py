"""rotate turning clockwise for positive angles."""
from impl import *  # noqa: F401,F403
from impl import rotate as _rotate

MUTATED = ["rotate"]
CAUGHT_BY = ["aug.rotate"]


def rotate(img, degrees):
    return _rotate(img, -degrees)
