"""ReLU with a 'tiled' fast path that leaves the last tile unclamped: wrong only when the number of elements
is a multiple of 24 (3 x 8 tiles) and that last tile holds a negative value.

Explore-only: the default profile's dozen derandomised examples of act.relu.values draw no such size, so
./conformance passes it; random search (--hypothesis-profile=explore) draws one within a few dozen
examples. tests/meta/test_example_db.py uses it to show a failure found by exploration being kept in the
example database and replayed by the default profile. It is not in the mutant corpus (tests/mutants/*.py),
whose every member the default profile must catch.
"""
from impl import *  # noqa: F401,F403
from impl import relu as _relu

MUTATED = ["relu"]
CAUGHT_BY = ["act.relu.values"]          # by the explore profile only
TILE = 24


def relu(z):
    n = z.numel()
    if n % TILE:
        return _relu(z)
    flat = z.reshape(n)
    head, tail = flat[: n - TILE], flat[n - TILE:]
    out = tail if n == TILE else _relu(head).cat(tail)   # the bug: the last tile is not clamped
    return out.reshape(z.shape)
