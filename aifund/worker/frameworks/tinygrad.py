"""What the worker does the tinygrad way: Tensors from arrays and back, dtypes, claims, in-place writes and
steps, seeding, and tinygrad's kernel caches. Only the worker uses it; it decides nothing."""
from __future__ import annotations

import contextlib

import sys

import numpy as np

from aifund.worker import kernel_caches


class Adapter:
    name = "tinygrad"
    # what the audit hook does not report as an import of another framework, and the programs it may start
    own_modules = ("tinygrad",)
    programs = ("clang", "ldconfig")

    def prepare(self):
        """Before the implementation is imported: the kernel caches, and tinygrad's functions as they were."""
        kernel_caches.install_lowering_cache()
        kernel_caches.install_schedule_cache()
        kernel_caches.install_shared_kernels()
        from tinygrad import Tensor
        self.tensor_class, self.tensor_numpy = Tensor, Tensor.numpy
        self.tensor_realize, self.tensor_assign = Tensor.realize, Tensor.assign
        self.tensor_manual_seed = Tensor.manual_seed

    def spaces(self) -> dict:
        """The framework namespaces whose replacement the audit snapshot reports."""
        from tinygrad import Tensor
        return {"tinygrad.Tensor": Tensor}

    # ------------------------------------------------------------ values
    def kit_call(self, obj, name):
        """Shortcuts are not watched in tinygrad runs: nothing to pause."""
        return contextlib.nullcontext()

    def shortcuts(self):
        """Library shortcuts are watched in PyTorch runs only (see torch_shortcuts): None, not observed."""
        return None

    def tensor(self, data, dtype=None):
        from tinygrad import Tensor
        return Tensor(data, **({"dtype": dtype} if dtype is not None else {}))

    def from_array(self, array: np.ndarray):
        from tinygrad import Tensor
        return Tensor(array)

    def dtype(self, name: str):
        from tinygrad import dtypes
        return getattr(dtypes, name)

    def claims(self, obj) -> dict:
        """Shape and dtype of a Tensor, {} for anything else (or a Tensor whose shape is not plain ints)."""
        tensor_type = sys.modules.get("tinygrad.tensor")
        if tensor_type is None or not isinstance(obj, tensor_type.Tensor):
            return {}
        try:
            from tinygrad.dtype import _to_np_dtype
            shape = [int(s) for s in obj.shape]
            np_dtype = _to_np_dtype(obj.dtype)
            return {"shape": shape, "dtype": np.dtype(np_dtype).name if np_dtype is not None else str(obj.dtype)}
        except Exception:  # noqa: BLE001 - a shape that is not plain ints is reported without one
            return {}

    def is_tensor(self, obj) -> bool:
        return isinstance(obj, self.tensor_class)

    def read(self, obj) -> np.ndarray:
        """A Tensor's values through tinygrad's Tensor.numpy as it was before the implementation was imported;
        anything else through its own .numpy()."""
        if isinstance(obj, self.tensor_class):
            return self.tensor_numpy(obj)
        return obj.numpy()

    def realize(self, tensors: list):
        tensors = [t for t in tensors if isinstance(t, self.tensor_class)]
        if tensors:
            self.tensor_realize(*tensors)

    # ------------------------------------------------------------ parameters and steps
    def set_grad(self, param, array: np.ndarray):
        param.grad = self.from_array(array)

    def assign(self, tensors: list, values: list):
        """values[i] written into tensors[i] (tinygrad's own Tensor.assign), realized together."""
        for t, v in zip(tensors, values):
            self.tensor_assign(t, self.tensor_class(np.asarray(v)))
        self.realize(tensors)

    def sgd_step(self, tensors: list, lr: float) -> list[bool]:
        """p <- p - lr * p.grad for each Tensor that has a gradient; which ones had one."""
        had = [t.grad is not None for t in tensors]
        for t, has in zip(tensors, had):
            if has:
                self.tensor_assign(t, t.detach() - t.grad * lr)
        self.realize(tensors)
        return had

    def seed(self, seed: int, snapshot):
        """tinygrad's own Tensor.manual_seed (as it was before the implementation); what it writes on the
        Tensor class is the kit's doing, not the implementation's (see audit.Snapshot.kit_write)."""
        manual_seed = getattr(self, "tensor_manual_seed", None)
        if snapshot is None or manual_seed is None:     # no implementation imported yet: nothing to tell apart
            from tinygrad import Tensor
            Tensor.manual_seed(seed)
            return
        snapshot.kit_write("tinygrad.Tensor", lambda: manual_seed(seed))
