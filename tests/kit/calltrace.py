"""Which library functions does a piece of the implementation call? (for "write it yourself" items)

sys.setprofile sees every Python-level call and every call of a C function;
a call is attributed to a library by the module its code belongs to.
"""
from __future__ import annotations

import sys


def calls_into(fn, packages: tuple[str, ...]) -> tuple[object, list[str]]:
    """Runs fn(); returns (its result, the distinct 'module.function' names of ``packages`` it called)."""
    seen: dict[str, None] = {}

    def profile(frame, event, arg):
        if event == "call":
            module, name = frame.f_globals.get("__name__", ""), frame.f_code.co_name
        elif event == "c_call":
            module, name = getattr(arg, "__module__", None) or "", getattr(arg, "__name__", "?")
        else:
            return
        if any(module == p or module.startswith(p + ".") for p in packages):
            seen.setdefault(f"{module}.{name}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = fn()
    finally:
        sys.setprofile(previous)
    return result, list(seen)
