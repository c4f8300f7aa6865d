"""Worker requests that write into what an object's ``.parameters()`` returns, in the worker's own process:
the kit's values (the framework's own in-place write) or one SGD step on their gradients. The kit then reads the
effect back through the object's attributes and outputs. Part of the worker; it decides nothing.
"""
from __future__ import annotations

from aifund.worker import wire


class ParametersInPlace:
    """Mixin of the worker: needs ``framework`` (the adapter, prepared before the implementation ran) and the
    codec's ``_obj``/``decode``."""

    # What .parameters() returns is used here, in the process that made it, and never handed out as a
    # handle: a handle is the worker's claim about an object, and an implementation can make the worker
    # hand out the original's handle for a copy. The kit observes the effect (values read back) instead.
    def _returned_tensors(self, h) -> list:
        name = str(h["name"])
        returned = getattr(self._obj(h["obj"]), name)()
        if not isinstance(returned, (list, tuple)) or not all(self.framework.is_tensor(t) for t in returned):
            raise TypeError(f".{name}() did not return a list of {self.framework.name} Tensors")
        return list(returned)

    def op_assign_returned(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name", "values"})
        tensors = self._returned_tensors(h)
        values = self.decode(h["values"], self._blobs)
        if not isinstance(values, list) or len(values) != len(tensors):
            raise TypeError(f".{h['name']}() returned {len(tensors)} Tensors, the kit has values for "
                            f"{len(values) if isinstance(values, list) else '?'}")
        self.framework.assign(tensors, values)
        return None

    def op_step_returned(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name", "lr"})
        tensors = self._returned_tensors(h)
        lr = float(self.decode(h["lr"], self._blobs))
        return self.framework.sgd_step(tensors, lr)

