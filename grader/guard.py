"""Tamper detection inside a grading child: what the kit relies on must still be what it was.

Watched, from the end of collection (before the submission is imported, which
happens at the first test's setup):

- every function, class, method, property and other callable of numpy, torch,
  tinygrad, hypothesis, pytest, pluggy and the kit itself (spec, tests.kit,
  grader), compared by object identity and, for Python functions, by code
  object identity (``f.__code__ = ...`` is a replacement too);
- pytest's plugins and the implementations of every hook, so a submission
  cannot register a plugin that rewrites reports.

A new attribute is not tampering (a submission may add a helper method to
Tensor); a replaced one is, unless the library replaced it itself: torch wraps
some functions the first time they are used (an optimizer class's step, and
torch.manual_seed when torch._dynamo loads) and fills in class properties when
a submodule loads. A replacement whose code was written in the libraries'
installed files is the library's own. This targets monkeypatching: code that
sets out to defeat the check (forging where its code comes from, or editing
the guard's own state) shares the interpreter with it and is beyond what an
in-process check can promise; a separate user, resource limits and results
written by the grader bound what such code can reach (grader/run.py). The check is an identity comparison over a list
built once (about 80,000 entries, ~17 ms), run after every test that has a
verdict. Tampering is sticky: once seen, every later verdict of the process is
"error: tampering", and plugins the submission registered are unregistered.
"""
from __future__ import annotations

import json
import os
import sys
import types
import warnings

import pytest

GUARDED = ("numpy", "torch", "tinygrad", "pytest", "_pytest", "pluggy", "tests.kit", "spec", "hypothesis", "grader")
_MISSING = object()
LIBRARIES = ("numpy", "torch", "tinygrad", "hypothesis", "_pytest", "pluggy")
_DESCRIPTORS = (property, classmethod, staticmethod)


def guarded(module_name: str) -> bool:
    return any(module_name == g or module_name.startswith(g + ".") for g in GUARDED)


def watch_list() -> list[tuple]:
    """(namespace, key, label, value, code) for every callable the kit may use; namespace is a live mapping."""
    entries, seen = [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # some modules warn when a deprecated attribute is touched
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or not guarded(name):
                continue
            namespace = vars(module)
            for attr, value in list(namespace.items()):
                if isinstance(value, types.ModuleType):
                    continue
                if isinstance(value, type):
                    entries.append((namespace, attr, f"{name}.{attr}", value, None))
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                    class_namespace = value.__dict__          # a live, read-only view of the class
                    for key, member in list(class_namespace.items()):
                        if callable(member) or isinstance(member, _DESCRIPTORS):
                            entries.append((class_namespace, key, f"{name}.{attr}.{key}", member,
                                            getattr(member, "__code__", None)))
                elif callable(value):
                    entries.append((namespace, attr, f"{name}.{attr}", value, getattr(value, "__code__", None)))
    return entries


def library_dirs() -> tuple[str, ...]:
    dirs = []
    for name in LIBRARIES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            dirs.append(os.path.dirname(os.path.realpath(module.__file__)) + os.sep)
    return tuple(dirs)


def _code_of(value):
    if isinstance(value, property):
        value = value.fget
    elif isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    return getattr(value, "__code__", None)


def library_made(new, dirs: tuple[str, ...]) -> bool:
    """True when ``new``'s code was written in one of the libraries' installed files."""
    code = _code_of(new)
    return code is not None and bool(dirs) and os.path.realpath(code.co_filename).startswith(dirs)


def replaced(entries: list[tuple], dirs: tuple[str, ...] = ()) -> list[str]:
    found = []
    for namespace, key, label, value, code in entries:
        now = namespace.get(key, _MISSING)
        if now is not value and now is not _MISSING and not library_made(now, dirs):
            found.append(label)
        elif code is not None and getattr(value, "__code__", None) is not code:
            found.append(label)
    return found


def hook_state(pluginmanager) -> dict:
    """hook name -> the functions that implement it, in calling order."""
    return {name: tuple(id(impl.function) for impl in caller.get_hookimpls())
            for name, caller in vars(pluginmanager.hook).items() if hasattr(caller, "get_hookimpls")}


class Guard:
    """Registered in every pytest-xdist worker, the processes that import the submission and run the tests."""

    def __init__(self, config):
        self.config = config
        self.entries: list[tuple] | None = None
        self.dirs: tuple[str, ...] = ()
        self.plugins_before: set[int] = set()
        self.hooks_before: dict = {}
        self.tampered: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        self.entries = watch_list()
        self.dirs = library_dirs()
        self.plugins_before = {id(p) for p in self.config.pluginmanager.get_plugins()}
        self.hooks_before = hook_state(self.config.pluginmanager)

    def check(self) -> None:
        if self.entries is None or self.tampered:
            return
        found = replaced(self.entries, self.dirs)
        pm = self.config.pluginmanager
        new_plugins = [p for p in pm.get_plugins() if id(p) not in self.plugins_before]
        if new_plugins:
            found.append("pytest plugins registered by the submission: "
                         + ", ".join(pm.get_name(p) or type(p).__name__ for p in new_plugins))
            for plugin in new_plugins:
                pm.unregister(plugin)
        now = hook_state(pm)
        found += [f"pytest hook {name}" for name, impls in self.hooks_before.items() if now.get(name, impls) != impls]
        self.tampered = found

    def mark(self, report) -> None:
        message = "tampering: the submission replaced what the kit relies on: " + ", ".join(self.tampered[:5])
        for i, (key, value) in enumerate(report.user_properties):
            if key == "conformance":
                data = json.loads(value)
                data.update(status="error", message=message)
                report.user_properties[i] = (key, json.dumps(data))

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if any(key == "conformance" for key, _ in report.user_properties):
            self.check()
            if self.tampered:
                self.mark(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        # again just before the report leaves the process: a wrapper registered by the submission
        # may have rewritten it after pytest_runtest_makereport (it was unregistered since)
        if self.tampered:
            self.mark(report)
