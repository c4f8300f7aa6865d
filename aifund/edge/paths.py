"""Every inference path the machine offers, as zero-argument callables on a fixed input batch.

Each returned callable computes logits or probabilities for the batch and
returns only when the result is in host memory, so timing it is honest.
"""
from __future__ import annotations

import numpy as np

from aifund.edge import numpy_infer


def tinygrad_model(kind: str, arrays: list[np.ndarray]):
    from aifund.reference.cnn import SimpleCNN
    from aifund.reference.layers import MLP
    from tinygrad import Tensor
    sizes = [arrays[0].shape[0], *(w.shape[1] for w in arrays[0::2])]     # the MLP's sizes, from its weights
    model = MLP(sizes) if kind == "mlp" else SimpleCNN()
    for p, a in zip(model.parameters(), arrays):
        p.assign(Tensor(a)).realize()
    return model


def tinygrad_resident_path(kind, arrays, x):
    """TinyJit forward on an input Tensor already in device memory (the jitted call alone)."""
    from tinygrad import Tensor, TinyJit
    model = tinygrad_model(kind, arrays)
    forward = TinyJit(lambda t: model.logits(t).realize())
    resident = Tensor(x).realize()
    return lambda: forward(resident).numpy()


def tinygrad_copyin_path(kind, arrays, x):
    """TinyJit forward; each call copies the numpy batch into one preallocated input buffer."""
    from tinygrad import Tensor, TinyJit
    model = tinygrad_model(kind, arrays)
    forward = TinyJit(lambda t: model.logits(t).realize())
    resident = Tensor(x).realize()
    # On the CPU the input Tensor's memory can be written directly (zero copy): no new Tensor, no
    # graph, no schedule per call. Other devices copy through a Tensor assign.
    buffer = resident.uop.buffer
    if hasattr(buffer.allocator, "_as_buffer"):
        host_view = np.frombuffer(buffer.as_memoryview(force_zero_copy=True), dtype=np.float32).reshape(x.shape)

        def run():
            host_view[...] = x
            return forward(resident).numpy()
    else:
        def run():
            resident.assign(Tensor(x)).realize()
            return forward(resident).numpy()
    return run


def tinygrad_numpy_input_path(kind, arrays, x):
    """TinyJit forward with a new Tensor built from the numpy batch on every call (the usual code)."""
    from tinygrad import Tensor, TinyJit
    model = tinygrad_model(kind, arrays)
    forward = TinyJit(lambda t: model.logits(t).realize())
    return lambda: forward(Tensor(x)).numpy()


def numpy_path(kind, arrays, x):
    return lambda: numpy_infer.logits(kind, arrays, x)


def onnxruntime_path(kind, arrays, x, onnx_file):
    from aifund.edge.onnx_export import session
    sess = session(onnx_file)
    return lambda: sess.run(["probabilities"], {"input": x})[0]


def int8_path(quantized, x):
    return lambda: quantized.logits(x)


def torch_path(kind, arrays, x):
    """The same steps (aifund/edge/plan.py) as torch modules: the peer the latency table compares with."""
    import torch
    from aifund.edge import plan
    modules = []
    with torch.no_grad():
        for op, *w in plan.steps(kind, len(arrays)):
            if op == "conv":
                weight, bias = arrays[w[0]], arrays[w[0] + 1]
                layer = torch.nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2], padding=plan.PADDING)
                layer.weight.copy_(torch.from_numpy(weight))
                layer.bias.copy_(torch.from_numpy(bias))
            elif op == "dense":
                weight, bias = arrays[w[0]], arrays[w[0] + 1]
                layer = torch.nn.Linear(*weight.shape)
                layer.weight.copy_(torch.from_numpy(weight.T.copy()))     # torch keeps (out, in)
                layer.bias.copy_(torch.from_numpy(bias))
            else:
                layer = {"relu": torch.nn.ReLU(), "pool": torch.nn.MaxPool2d(plan.POOL), "flatten": torch.nn.Flatten()}[op]
            modules.append(layer)
    model = torch.nn.Sequential(*modules)
    model.eval()
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return model(xt).numpy()
    return run
