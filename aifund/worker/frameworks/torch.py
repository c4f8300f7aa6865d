"""What the worker does the PyTorch way: torch.Tensors from arrays and back, dtypes, claims, in-place writes
and steps under no_grad, seeding, and one intra-op thread. Only the worker uses it; it decides nothing."""
from __future__ import annotations

import contextlib
import os

import numpy as np

from aifund.worker.frameworks.torch_shortcuts import ShortcutWatch

# One thread per worker: the kit already runs one worker per test process (one per core under xdist), and
# torch would otherwise start a pool as wide as the machine in each of them, against the sandbox's cap on
# processes and threads.
THREADS = 1


class Adapter:
    name = "torch"
    own_modules = ("torch",)
    programs = ()

    def prepare(self):
        """Before the implementation is imported: torch's thread pools, and its functions as they were."""
        os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
        import torch
        torch.set_num_threads(THREADS)
        try:
            torch.set_num_interop_threads(THREADS)
        except RuntimeError:       # already started: the intra-op setting above still holds
            pass
        from torch.utils._python_dispatch import _disable_current_modes
        self.torch = torch
        self.tensor_class = torch.Tensor
        self.exact_types = (torch.Tensor, torch.nn.Parameter)
        self.no_function_modes, self.no_dispatch_modes = torch._C.DisableTorchFunction, _disable_current_modes
        self.detach, self.to_numpy, self.cpu = torch.Tensor.detach, torch.Tensor.numpy, torch.Tensor.cpu
        self.no_grad, self.copy_, self.sub_ = torch.no_grad, torch.Tensor.copy_, torch.Tensor.sub_
        self.as_tensor, self.manual_seed = torch.as_tensor, torch.manual_seed
        self.watch = ShortcutWatch()
        self.watch.install(torch)

    def spaces(self) -> dict:
        """The framework namespaces whose replacement the audit snapshot reports."""
        import torch
        import torch.nn.functional
        return {"torch.Tensor": torch.Tensor, "torch.nn.functional": torch.nn.functional,
                "worker.ShortcutWatch": ShortcutWatch}

    @contextlib.contextmanager
    def kits_own(self):
        """The kit's own operation on plain Tensors: no torch function or dispatch mode (the shortcut watch, or
        one the implementation entered to answer the kit's reads), no subclass override."""
        with self.watch.paused(), self.no_function_modes(), self.no_dispatch_modes():
            yield

    def exact(self, obj) -> bool:
        """A plain torch.Tensor or nn.Parameter: a subclass can answer every method with what it likes."""
        return type(obj) in self.exact_types

    def kit_call(self, obj, name):
        """A method or attribute of a plain torch Tensor that a test uses itself (``a.relu()`` on what conv2d
        returned, ``loss.backward()``, ``x.grad``) is the kit's operation: it runs as ``kits_own``. Calls into
        the implementation, and anything on other objects, run as they are."""
        owner = obj if name is not None else getattr(obj, "__self__", None)     # t.relu, fetched then called
        return self.kits_own() if self.exact(owner) else contextlib.nullcontext()

    def shortcuts(self) -> dict:
        """The library shortcuts the implementation called since the last time asked ({name: [calls]})."""
        return self.watch.take()

    # ------------------------------------------------------------ values
    def tensor(self, data, dtype=None):
        """A leaf the kit made: floating-point ones require a gradient, as every tinygrad Tensor may get one."""
        torch = self.torch
        if isinstance(data, np.ndarray):
            t = torch.from_numpy(np.array(data, copy=True))
            t = t.to(dtype) if dtype is not None else t
        else:
            t = torch.tensor(data, dtype=dtype)
        return t.requires_grad_(True) if t.is_floating_point() else t

    def from_array(self, array: np.ndarray):
        return self.tensor(array)

    def dtype(self, name: str):
        return getattr(self.torch, name)

    def claims(self, obj) -> dict:
        """Shape and dtype of a plain Tensor; nothing for anything else (a subclass is not taken for one)."""
        if not self.exact(obj):
            return {}
        try:
            with self.kits_own():
                return {"shape": [int(s) for s in obj.shape], "dtype": str(obj.dtype).removeprefix("torch.")}
        except Exception:  # noqa: BLE001
            return {}

    def is_tensor(self, obj) -> bool:
        return self.exact(obj)

    def read(self, obj) -> np.ndarray:
        """A plain Tensor's values through torch's own detach, cpu and numpy as they were before the
        implementation was imported, with every mode off (a copy); anything else through its own .numpy()
        (the kit checks what it gets: an object that is not a Tensor has no Tensor claims)."""
        if self.exact(obj):
            with self.kits_own():
                return np.array(self.to_numpy(self.cpu(self.detach(obj))), copy=True)
        return obj.numpy()

    def realize(self, tensors: list):
        """torch computes eagerly: nothing to do."""

    # ------------------------------------------------------------ parameters and steps
    def set_grad(self, param, array: np.ndarray):
        with self.kits_own():
            param.grad = self.torch.from_numpy(np.array(array, copy=True)).to(param.dtype)

    def assign(self, tensors: list, values: list):
        with self.kits_own(), self.no_grad():
            for t, v in zip(tensors, values):
                self.copy_(t, self.as_tensor(np.asarray(v)))

    def sgd_step(self, tensors: list, lr: float) -> list[bool]:
        with self.kits_own():
            had = [t.grad is not None for t in tensors]
            with self.no_grad():
                for t, has in zip(tensors, had):
                    if has:
                        self.sub_(t, t.grad * lr)
        return had

    def seed(self, seed: int, snapshot):
        """torch's own manual_seed, as it was before the implementation was imported."""
        manual_seed = getattr(self, "manual_seed", None)
        if manual_seed is None:
            import torch
            manual_seed = torch.manual_seed
        manual_seed(seed)
