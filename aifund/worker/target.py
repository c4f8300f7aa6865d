"""Importing the implementation under test: a .py file, a package folder, or the reference as ``impl``.
Only imports it; it never calls the implementation's functions nor answers requests (requests.py does)."""
from __future__ import annotations

import importlib
import importlib.util
import os
import pathlib
import sys


class ReferenceFinder:
    """Makes the reference implementation's folder importable as ``impl`` (the mutant corpus builds on it)."""

    def __init__(self, folder: str):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name != "impl":
            return None
        return importlib.util.spec_from_file_location(
            "impl", os.path.join(self.folder, "__init__.py"), submodule_search_locations=[self.folder])


def module_name(target: str) -> str:
    """The name the implementation is imported under: ``impl`` for the reference, a package's own folder name
    where that is free, ``impl_under_test`` otherwise."""
    if target == "impl":
        return "impl"
    path = pathlib.Path(target)
    if path.is_dir() and path.name.isidentifier() and path.name not in sys.modules:
        return path.name
    return "impl_under_test"


def import_target(target: str):
    if target == "impl":
        return importlib.import_module("impl")
    path = pathlib.Path(target)
    if not path.exists():
        raise FileNotFoundError(f"no such file or directory: {target}")
    if path.is_dir():
        init = path / "__init__.py"
        if not init.is_file():
            raise ImportError(f"{path.name} is a directory without __init__.py (not a Python package)")
        name = module_name(target)
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)])
    elif path.suffix == ".py":
        name = module_name(target)
        spec = importlib.util.spec_from_file_location(name, path)
    else:
        raise ImportError(f"{path.name} is neither a .py file nor a package directory")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)   # its own siblings; appended, so it cannot shadow numpy & co.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
