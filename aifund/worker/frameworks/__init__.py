"""The framework adapters of the worker, one module per framework the implementation may be written in.
Chooses one by name; it never imports the implementation and never decides a verdict."""
from __future__ import annotations

import importlib

NAMES = ("tinygrad", "torch")


def adapter(name: str):
    """A new adapter for framework ``name`` (its module's ``Adapter``); nothing of the framework is imported
    before ``Adapter.prepare`` is called."""
    if name not in NAMES:
        raise ValueError(f"unknown framework {name!r}: one of {', '.join(NAMES)}")
    return importlib.import_module(f"aifund.worker.frameworks.{name}").Adapter()
