"""Worker requests that write into what an object's ``.parameters()`` returns, in the worker's own process:
the kit's values (tinygrad's own Tensor.assign) or one SGD step on their gradients. The kit then reads the
effect back through the object's attributes and outputs. Part of the worker; it decides nothing.
"""
from __future__ import annotations

import numpy as np

from aifund.worker import wire


class ParametersInPlace:
    """Mixin of the worker: needs ``tensor_class``, ``tensor_assign``, ``tensor_realize`` (saved at import,
    before the implementation ran) and the codec's ``_obj``/``decode``."""

    # What .parameters() returns is used here, in the process that made it, and never handed out as a
    # handle: a handle is the worker's claim about an object, and an implementation can make the worker
    # hand out the original's handle for a copy. The kit observes the effect (values read back) instead.
    def _returned_tensors(self, h) -> list:
        name = str(h["name"])
        returned = getattr(self._obj(h["obj"]), name)()
        if not isinstance(returned, (list, tuple)) or not all(isinstance(t, self.tensor_class) for t in returned):
            raise TypeError(f".{name}() did not return a list of tinygrad Tensors")
        return list(returned)

    def op_assign_returned(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name", "values"})
        tensors = self._returned_tensors(h)
        values = self.decode(h["values"], self._blobs)
        if not isinstance(values, list) or len(values) != len(tensors):
            raise TypeError(f".{h['name']}() returned {len(tensors)} Tensors, the kit has values for "
                            f"{len(values) if isinstance(values, list) else '?'}")
        for t, v in zip(tensors, values):
            self.tensor_assign(t, self.tensor_class(np.asarray(v)))
        if tensors:
            self.tensor_realize(*tensors)
        return None

    def op_step_returned(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name", "lr"})
        tensors = self._returned_tensors(h)
        lr = float(self.decode(h["lr"], self._blobs))
        had = [t.grad is not None for t in tensors]
        for t, has in zip(tensors, had):
            if has:
                self.tensor_assign(t, t.detach() - t.grad * lr)
        if tensors:
            self.tensor_realize(*tensors)
        return had

