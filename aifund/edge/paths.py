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
    model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
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
    import torch
    if kind == "mlp":
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                    torch.nn.ReLU(), torch.nn.Linear(128, 10))
        linears = [m for m in model if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for layer, w, b in zip(linears, arrays[0::2], arrays[1::2]):
                layer.weight.copy_(torch.from_numpy(w.T.copy()))
                layer.bias.copy_(torch.from_numpy(b))
    else:
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                    torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                    torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(),
                                    torch.nn.Linear(128, 10))
        c1, c2, f1, f2 = model[0], model[3], model[7], model[9]
        with torch.no_grad():
            for layer, w, b in ((c1, arrays[0], arrays[1]), (c2, arrays[2], arrays[3])):
                layer.weight.copy_(torch.from_numpy(w))
                layer.bias.copy_(torch.from_numpy(b))
            for layer, w, b in ((f1, arrays[4], arrays[5]), (f2, arrays[6], arrays[7])):
                layer.weight.copy_(torch.from_numpy(w.T.copy()))
                layer.bias.copy_(torch.from_numpy(b))
    model.eval()
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return model(xt).numpy()
    return run
