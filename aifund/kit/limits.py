"""Per-test time limits of a conformance run: the limit of a test, and the alarm that backs the worker's deadline.

Only time: it never talks to the worker and never decides a verdict.
"""
from __future__ import annotations

TIMEOUT_HINT = ("the time counts everything the implementation computed for this test. The usual cause in "
                "tinygrad: a Python number that changes every call or step (a learning rate, a step count, "
                "a bias-correction factor) is baked into the kernel, so each new value compiles a new kernel, "
                "hundreds of times; keep such numbers in a Tensor. Otherwise: an endless loop?")


class ItemTimeout(BaseException):
    """Raised by the alarm when one test outlives its limit (a backstop: the worker's deadline comes first).

    A BaseException on purpose: Hypothesis catches Exception (and pytest's
    Failed, which pytest-timeout raises) as a failing example and replays it,
    which would run an endless loop again with no alarm left to stop it.
    """


def limit_of(item) -> float:
    limit = item.config.getoption("--item-timeout")
    marker = item.get_closest_marker("time_limit")
    if marker:
        limit = max(limit, float(marker.args[0]))
    return limit
