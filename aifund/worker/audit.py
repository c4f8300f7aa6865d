"""Integrity flags: what the implementation did that staff may want to know.

An audit hook (PEP 578) installed before the implementation is imported records
imports of another framework (PyTorch in a tinygrad run) or of the kit's reference
and tests, opens of files that belong to the kit, and processes started. These are flags for a person to read,
never grades: the worker is untrusted, so everything it reports is a claim.
"""
from __future__ import annotations

import os
import sys
import types

KIT_PATH_PARTS = ("/impl/", "/tests/", "/spec/", "/aifund/")
KIT_MODULES = ("aifund.kit", "aifund.reference", "aifund.spec", "aifund.conformance", "aifund.grader")
LIMIT = 50
TINYGRAD_PROGRAMS = ("clang", "ldconfig")   # what tinygrad itself starts to compile and load kernels
ORACLE_FRAMEWORK = "torch"     # the kit's oracles: importing it is reported, unless the run's framework is torch
# numpy's lazily loaded submodules that the worker or an implementation commonly use: imported before the
# snapshot, so that numpy.random is compared (and replacing one of its functions is seen)
NUMPY_LAZY = ("random", "fft")
# what tinygrad's Tensor.manual_seed writes on the class: all three new together is a call to it (the
# implementation seeding tinygrad, as a student may), not a replacement; one of them alone is a write by hand
TENSOR_SEED_STATE = ("_seed", "_device_seeds", "_device_rng_counters")


class Audit:
    def __init__(self, framework_modules: tuple = ("tinygrad",), programs: tuple = TINYGRAD_PROGRAMS):
        self._foreign = () if ORACLE_FRAMEWORK in framework_modules else (ORACLE_FRAMEWORK,)
        self._programs = tuple(programs)
        self._records: list[dict] = []
        self._seen: set = set()
        self._on = False
        self._own_module = None            # the implementation's own module name and files: never flagged
        self._own_path = None

    def own(self, module: str, path: str):
        """The implementation's own module (a package's submodules too) and file or folder: a package that
        happens to be called ``impl``, or to lie in a folder of that name, imports and opens only itself."""
        self._own_module, self._own_path = module, os.path.realpath(path)

    def _is_own(self, name: str = "", path: str = "") -> bool:
        if name:
            own = self._own_module
            return own is not None and (name == own or name.startswith(own + "."))
        own, real = self._own_path, os.path.realpath(path)
        return own is not None and (real == own or real.startswith(own + os.sep))

    def start(self):
        if not self._on:
            self._on = True
            sys.addaudithook(self._hook)

    def _add(self, kind: str, detail: str):
        key = (kind, detail)
        if key in self._seen or len(self._records) >= LIMIT:
            return
        self._seen.add(key)
        self._records.append({"kind": kind, "detail": detail})

    def _hook(self, event: str, args: tuple):
        if event == "import":
            name = args[0] if args and isinstance(args[0], str) else ""
            top = name.split(".")[0]
            if (top in self._foreign or top in ("impl", "tests", "spec") or name.startswith(KIT_MODULES)) \
                    and not self._is_own(name):
                self._add("import", name)
        elif event == "open":
            path = args[0] if args and isinstance(args[0], str) else ""
            if (path.endswith(".py") and any(part in path for part in KIT_PATH_PARTS) and "/aifund/worker/" not in path
                    and not self._is_own(path=path)):
                self._add("open", path)
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"):
            program = str(args[0]) if args else ""
            if program.rsplit("/", 1)[-1] not in self._programs:
                self._add("process", f"{event}: {str(args[:2])[:200]}")

    def records(self) -> list[dict]:
        return list(self._records)


class Snapshot:
    """The attributes of a few library namespaces before the implementation is imported, to tell staff
    which of them it replaced (numpy's and numpy.random's functions, tinygrad's Tensor class, math).

    Not a replacement: a lazily loaded submodule of the package that appears as its attribute when first
    imported (numpy.linalg), and what the kit itself writes through ``kit_write`` (seeding tinygrad)."""

    def __init__(self, worker_spaces: dict | None = None, framework_spaces: dict | None = None):
        import importlib
        import math

        import numpy
        for name in NUMPY_LAZY:
            importlib.import_module(f"numpy.{name}")
        if framework_spaces is None:
            from tinygrad import Tensor
            framework_spaces = {"tinygrad.Tensor": Tensor}
        # and the worker's own code (its request handlers, the wire format, this audit), the path every
        # answer takes: replacing one of them changes what the kit is told, not what the implementation does
        self.spaces = {"numpy": numpy, "numpy.random": numpy.random, **framework_spaces, "math": math,
                       "audit.Audit": Audit, "audit.Snapshot": Snapshot, **(worker_spaces or {})}
        self.before = {name: dict(vars(space)) for name, space in self.spaces.items()}
        self.kept: list[dict] = []         # changes seen just before a kit_write moved the baseline past them

    def kit_write(self, name: str, write):
        """Run ``write``, the kit's own change to the namespace ``name`` (Tensor.manual_seed), and take what it
        wrote as the new baseline; a change the implementation had made to those attributes stays reported."""
        space = self.spaces[name]
        pre = dict(vars(space))
        try:
            return write()
        finally:
            now = vars(space)
            touched = {k for k in set(pre) | set(now) if pre.get(k, _ABSENT) is not now.get(k, _ABSENT)}
            for record in self._diff(name, pre, touched):
                if record not in self.kept:
                    self.kept.append(record)
            for key in touched:
                if key in now:
                    self.before[name][key] = now[key]
                else:
                    self.before[name].pop(key, None)

    def _diff(self, name: str, now: dict, keys) -> list[dict]:
        before, out = self.before[name], []
        reseeded = name == "tinygrad.Tensor" and self._reseeded(before, now)
        for key in sorted(keys):
            if key.startswith("__") or (reseeded and key in TENSOR_SEED_STATE):
                continue
            if key in before and key in now and now[key] is before[key]:
                continue
            if key not in before and key in now and self._submodule(self.spaces[name], key, now[key]):
                continue
            out.append({"kind": "replaced", "detail": f"{name}.{key} was changed by the implementation"})
        return out

    @staticmethod
    def _reseeded(before: dict, now: dict) -> bool:
        """The Tensor class's RNG state as Tensor.manual_seed leaves it, each part of it new: an int seed
        and two fresh dicts (the implementation called tinygrad's seeding, it did not replace anything)."""
        seed, seeds, counters = (now.get(k) for k in TENSOR_SEED_STATE)
        return (type(seed) is int and type(seeds) is dict and type(counters) is dict
                and all(now.get(k) is not before.get(k) for k in TENSOR_SEED_STATE))

    @staticmethod
    def _submodule(space, key: str, value) -> bool:
        """``value`` is the package's own submodule ``key``, imported since the snapshot (numpy loads
        numpy.linalg, numpy.polynomial, ... on first use): loaded from the package's folder, under its name."""
        if not isinstance(space, types.ModuleType) or not isinstance(value, types.ModuleType):
            return False
        full = f"{space.__name__}.{key}"
        if value.__name__ != full or sys.modules.get(full) is not value or not getattr(space, "__path__", None):
            return False
        origin = getattr(getattr(value, "__spec__", None), "origin", None)
        folders = [os.path.realpath(f) + os.sep for f in space.__path__]
        return (isinstance(origin, str) and os.path.isfile(origin)
                and os.path.realpath(origin).startswith(tuple(folders)))

    def changes(self) -> list[dict]:
        out = list(self.kept)
        for name, space in self.spaces.items():
            now = vars(space)
            out += [r for r in self._diff(name, now, set(now) | set(self.before[name])) if r not in out]
        return out[:20]


_ABSENT = object()
