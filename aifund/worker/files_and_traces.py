"""Worker requests about files and calls: a private scratch folder for files the kit writes and reads back,
a trace of the calls the implementation makes into named packages, and the library shortcuts the
framework's adapter watched. Part of the worker (the sandbox sees it); it decides nothing.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from aifund.worker import wire


class FilesAndTraces:
    """Mixin of the worker: needs ``self.scratch`` (None at first) and ``self.decode``/``self._blobs`` (codec)."""

    def _scratch_file(self, name) -> str:
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise wire.WireError(f"a scratch file name must be a plain file name, not {name!r}")
        if self.scratch is None:
            import tempfile
            self.scratch = tempfile.mkdtemp(prefix="aifund-scratch-")
        return os.path.join(self.scratch, name)

    def op_scratch_path(self, h, blobs):
        wire.require_fields(h, {"op", "name"})
        return self._scratch_file(h["name"])

    def op_write_file(self, h, blobs):
        wire.require_fields(h, {"op", "name", "data"})
        data = self.decode(h["data"], self._blobs)
        with open(self._scratch_file(h["name"]), "wb") as f:
            f.write(np.asarray(data, dtype=np.uint8).tobytes())
        return None

    def op_read_file(self, h, blobs):
        wire.require_fields(h, {"op", "name"})
        with open(self._scratch_file(h["name"]), "rb") as f:
            data = f.read(wire.BLOB_LIMIT - 1024)
        return np.frombuffer(data, dtype=np.uint8).copy()

    def op_trace_start(self, h, blobs):
        """From now until trace_stop, note every call into these packages (sys.setprofile)."""
        wire.require_fields(h, {"op", "packages"})
        packages = tuple(str(p) for p in self.decode(h["packages"], self._blobs))
        self.traced = {}

        def profile(frame, event, arg):
            if event == "call":
                module, name = frame.f_globals.get("__name__", ""), frame.f_code.co_name
            elif event == "c_call":
                module, name = getattr(arg, "__module__", None) or "", getattr(arg, "__name__", "?")
            else:
                return
            if any(module == p or module.startswith(p + ".") for p in packages) and len(self.traced) < 100:
                self.traced.setdefault(f"{module}.{name}")
        sys.setprofile(profile)
        return None

    def op_trace_stop(self, h, blobs):
        wire.require_fields(h, {"op"})
        sys.setprofile(None)
        return list(getattr(self, "traced", {}))


    def op_shortcuts(self, h, blobs):
        """The library shortcuts watched since the last request (None where the framework's are not watched),
        and those called while the implementation was imported."""
        wire.require_fields(h, {"op"})
        return {"used": self.framework.shortcuts(), "import": getattr(self, "import_shortcuts", None)}
