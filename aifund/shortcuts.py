"""Library shortcuts: the framework calls that do for a student what a course may ask them to write themselves
(torch.sigmoid, torch.nn.Linear, F.conv2d, torch.optim.Adam...), by the name a course allows or forbids, and a
course's policy on them. Data and policy only: it talks to no worker and decides no item by itself.
"""
from __future__ import annotations

from dataclasses import dataclass

# the names and what each covers are the worker's watch table (the worker sees only its own package)
from aifund.worker.frameworks.torch_shortcuts import CALLS_KEPT, FUNCTION_NAMES, MODULE_CLASSES, SHORTCUTS  # noqa: F401

WATCHED = ("torch",)          # the frameworks whose worker watches for shortcuts


@dataclass(frozen=True)
class Policy:
    """A course's (or a run's) rule: shortcuts are reported always; with ``forbid`` an item whose test used one
    that is not in ``allowed`` fails."""
    forbid: bool = False
    allowed: tuple = ()

    def forbidden(self, used: dict) -> list[str]:
        """The names in ``used`` (name -> the calls observed) that this policy does not allow."""
        return [name for name in used if name not in self.allowed] if self.forbid else []

    def words(self) -> str:
        if not self.forbid:
            return "allowed and reported"
        return "forbidden" + (f" except {', '.join(self.allowed)}" if self.allowed else "")

    def as_dict(self) -> dict:
        return {"forbid": self.forbid, "allowed": list(self.allowed)}


def unknown(names) -> list[str]:
    return [n for n in names if n not in SHORTCUTS]


def from_course_value(value) -> Policy:
    """A course config's ``[shortcuts] allowed``: true (the default), false, or a list of the names allowed
    (every other shortcut forbidden). ValueError says what is wrong."""
    if value is True:
        return Policy()
    if value is False:
        return Policy(forbid=True)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        bad = unknown(value)
        if bad:
            raise ValueError(f"unknown shortcut name(s) {bad} (known: {', '.join(SHORTCUTS)})")
        return Policy(forbid=True, allowed=tuple(dict.fromkeys(value)))
    raise ValueError(f"allowed = {value!r}; it must be true, false or a list of shortcut names ({', '.join(SHORTCUTS)})")


def clean(claim) -> dict:
    """What a worker said it observed ({name: [calls]}), kept only where it names a known shortcut: a claim that
    can only count against the implementation, so anything malformed in it is dropped, never trusted."""
    if not isinstance(claim, dict):
        return {}
    out = {}
    for name, calls in claim.items():
        if name in SHORTCUTS and isinstance(calls, list):
            out[name] = [c[:80] for c in calls if isinstance(c, str)][:CALLS_KEPT] or [name]
    return out


def merge(into: dict, used: dict) -> dict:
    for name, calls in used.items():
        kept = into.setdefault(name, [])
        kept += [c for c in calls if c not in kept][:max(0, CALLS_KEPT - len(kept))]
    return into
