"""Loads the implementation under test: the reference ``impl`` or a module at a path.

A module that fails to import (syntax error, exception, sys.exit, a loop that
outlasts the time limit) is not a crash: the failure is returned, described in
one readable message, and every spec item reports it.
"""
from __future__ import annotations

import importlib
import importlib.util
import pathlib
import sys
import traceback
from dataclasses import dataclass
from types import ModuleType

from tests.kit.alarm import time_limit

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = "impl"


@dataclass
class Loaded:
    path: str                      # what was asked for, as the user wrote it
    module: ModuleType | None
    error: str | None = None       # one readable message when the import failed


class ImportTimeout(BaseException):
    pass


def _module_spec(path: pathlib.Path):
    if path.is_dir():
        init = path / "__init__.py"
        if not init.is_file():
            raise ImportError(f"{path} is a directory without __init__.py (not a Python package)")
        name = path.name if path.name.isidentifier() and path.name not in sys.modules else "impl_under_test"
        return name, importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)])
    if path.suffix != ".py":
        raise ImportError(f"{path} is neither a .py file nor a package directory")
    return "impl_under_test", importlib.util.spec_from_file_location("impl_under_test", path)


def _import(target: str | None) -> ModuleType:
    if target in (None, "", REFERENCE):
        return importlib.import_module(REFERENCE)
    path = pathlib.Path(target).expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"no such file or directory: {target}")
    if path.resolve() == (REPO_ROOT / REFERENCE).resolve():
        return importlib.import_module(REFERENCE)
    name, spec = _module_spec(path)
    module = importlib.util.module_from_spec(spec)
    # Let the module import its own siblings; appended so it cannot shadow numpy & co.
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_implementation(target: str | None = None, timeout: float = 60.0) -> Loaded:
    """Import ``target`` (None: the reference) within ``timeout`` seconds; never raises."""
    try:
        with time_limit(timeout, ImportTimeout):
            return Loaded(target or REFERENCE, _import(target))
    except ImportTimeout:
        return Loaded(target or REFERENCE, None, f"import did not finish within {timeout:g} s (an endless loop at import time?)")
    except SystemExit as exc:
        return Loaded(target or REFERENCE, None, f"the module called sys.exit({exc.code!r}) while being imported")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of untrusted code is reported, not raised
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"{f.filename}:{f.lineno}" for f in reversed(frames) if "importlib" not in f.filename), "")
        detail = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, SyntaxError):
            where = f"{exc.filename}:{exc.lineno}"
        return Loaded(target or REFERENCE, None, f"{detail}" + (f" (at {where})" if where else ""))
