"""Which library functions does a piece of the implementation call? (for "write it yourself" items)

The implementation runs in its worker process, so that is where the calls are
watched: sys.setprofile there sees every Python-level call and every call of a
C function, attributed to a library by the module its code belongs to. What
comes back is the worker's claim (an implementation can hide calls from it);
the item's value checks do not depend on it.
"""
from __future__ import annotations

from aifund.remote import current


def calls_into(fn, packages: tuple[str, ...]) -> tuple[object, list[str]]:
    """Runs fn(); returns (its result, the distinct 'module.function' names of ``packages`` it called)."""
    session = current()
    session.send("trace_start", "starting to watch calls", packages=list(packages))
    try:
        result = fn()
    finally:
        called = session.send("trace_stop", "reading the calls watched")
    if not isinstance(called, list) or not all(isinstance(c, str) for c in called):
        called = ["<the worker's list of calls was not a list of names>"]
    return result, called
