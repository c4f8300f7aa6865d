"""Which tinygrad CPU renderer a training run uses.

tinygrad's CPU device renders kernels as C for clang (its default) or as LLVM IR
(``DEV=CPU:LLVM``). The LLVM path works with libLLVM 19 (Debian's ``libllvm19``,
which scripts/bootstrap.sh installs where apt can); 14 and 15 reject its kernels.
Measured on the project's 2-core machine (tinygrad 0.14, clang 14, LLVM 19): one
SimpleCNN training step at batch 64 took 282-323 ms with LLVM against 421-487 ms
with clang, and the CNN accuracy gate (3 epochs of mnist-5k, then the test set)
137 s against 181 s; the MLP's step at batch 128, 23 ms against 25 ms (within
noise). So the CNN trains on LLVM where it works, and everything else keeps
tinygrad's default. Conformance runs never use it: LLVM 19 rejects the float64
constants tinygrad writes for the gradient items ("integer constant must have
integer type").

A user's own choice wins: with ``DEV`` naming a renderer or another device
(``DEV=CPU:CLANG``, ``DEV=CUDA``), training runs where it says.
"""
from __future__ import annotations

import functools
import os

import numpy as np

FAST = {"cnn": "CPU:LLVM"}     # model kind -> the renderer that trains it fastest here (measured above)


@functools.cache
def works(dev: str) -> str | None:
    """None when ``dev`` compiles and runs a small float32 product (vector loads, a reduction) and agrees with
    numpy; otherwise why not, in one line. About a second: LLVM 14 already fails here."""
    from tinygrad import Tensor
    from tinygrad.helpers import Context

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((8, 16), dtype=np.float32), rng.standard_normal((16, 8), dtype=np.float32)
    expected = np.maximum(x @ w, 0).sum(axis=1)
    try:
        with Context(DEV=dev):
            got = (Tensor(x) @ Tensor(w)).relu().sum(axis=1).numpy()
    except Exception as exc:             # a missing libLLVM, a renderer that rejects the kernels
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
        return "its product differs from numpy's"
    return None


def chosen(model: str) -> str | None:
    """The DEV a training run of ``model`` uses, or None for tinygrad's default."""
    from tinygrad import Device
    dev = FAST.get(model)
    if dev is None or os.environ.get("DEV", "CPU") != "CPU" or Device.DEFAULT != "CPU":
        return None
    return dev if works(dev) is None else None

