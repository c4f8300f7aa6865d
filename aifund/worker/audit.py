"""Integrity flags: what the implementation did that staff may want to know.

An audit hook (PEP 578) installed before the implementation is imported records
imports of PyTorch or of the kit's reference and tests, opens of files that
belong to the kit, and processes started. These are flags for a person to read,
never grades: the worker is untrusted, so everything it reports is a claim.
"""
from __future__ import annotations

import sys

KIT_PATH_PARTS = ("/impl/", "/tests/", "/spec/", "/aifund/")
KIT_MODULES = ("aifund.kit", "aifund.reference", "aifund.spec", "aifund.conformance", "aifund.grader")
LIMIT = 50
TINYGRAD_PROGRAMS = ("clang", "ldconfig")   # what tinygrad itself starts to compile and load kernels


class Audit:
    def __init__(self):
        self._records: list[dict] = []
        self._seen: set = set()
        self._on = False

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
            if top in ("torch", "impl", "tests", "spec") or name.startswith(KIT_MODULES):
                self._add("import", name)
        elif event == "open":
            path = args[0] if args and isinstance(args[0], str) else ""
            if path.endswith(".py") and any(part in path for part in KIT_PATH_PARTS) and "/aifund/worker/" not in path:
                self._add("open", path)
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"):
            program = str(args[0]) if args else ""
            if program.rsplit("/", 1)[-1] not in TINYGRAD_PROGRAMS:
                self._add("process", f"{event}: {str(args[:2])[:200]}")

    def records(self) -> list[dict]:
        return list(self._records)


class Snapshot:
    """The attributes of a few library namespaces before the implementation is imported, to tell staff
    which of them it replaced (numpy's functions, tinygrad's Tensor class, math)."""

    def __init__(self, worker_spaces: dict | None = None):
        import math

        import numpy
        from tinygrad import Tensor
        # and the worker's own code (its request handlers, the wire format, this audit), the path every
        # answer takes: replacing one of them changes what the kit is told, not what the implementation does
        self.spaces = {"numpy": numpy, "tinygrad.Tensor": Tensor, "math": math, "audit.Audit": Audit,
                       "audit.Snapshot": Snapshot, **(worker_spaces or {})}
        self.before = {name: dict(vars(space)) for name, space in self.spaces.items()}

    def changes(self) -> list[dict]:
        out = []
        for name, space in self.spaces.items():
            now, before = vars(space), self.before[name]
            for key in sorted(set(now) | set(before)):
                if key.startswith("__"):
                    continue
                if key not in before or key not in now or now[key] is not before[key]:
                    out.append({"kind": "replaced", "detail": f"{name}.{key} was changed by the implementation"})
                    if len(out) >= 20:
                        return out
        return out
