"""parameters() returning detached copies, and making the worker hand out the original's handle number for
each copy: a check that compares handle numbers sees "the same object" (no integrity flag fires: the patch
is an attribute of the worker's instance, not of its classes). An optimizer given these copies gets no
gradients, so a training loop written this way never learns."""
import sys

from impl import *  # noqa: F401,F403
from impl import MLP as _MLP, Linear as _Linear, Neuron as _Neuron

MUTATED = ["Linear", "MLP", "Neuron"]
CAUGHT_BY = ["linear.parameters", "mlp.structure", "neuron.parameters"]

_COPIES = {}   # id(copy) -> (copy, original)


def _worker():
    """The worker object answering the current request, found on the call stack."""
    codec = sys.modules.get("aifund.worker.codec")
    frame = sys._getframe(1)
    while frame is not None and codec is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, codec.Codec):
            return candidate
        frame = frame.f_back
    return None


def _forge(originals):
    copies = [t.detach() for t in originals]
    worker = _worker()
    if worker is not None and "handle" not in vars(worker):
        genuine = worker.handle

        def handle(obj):
            entry = _COPIES.get(id(obj))
            return genuine(entry[1] if entry is not None and entry[0] is obj else obj)
        worker.handle = handle
    for copy, original in zip(copies, originals):
        _COPIES[id(copy)] = (copy, original)
    return copies


class Linear(_Linear):
    def parameters(self):
        return _forge([self.w, self.b])


class Neuron(_Neuron):
    def parameters(self):
        return _forge([self.w, self.b])


class MLP(_MLP):
    def __init__(self, layers):
        # its layers are the Linear above: the reference's MLP.parameters() collects their forged copies
        self.linears = [Linear(n_in, n_out) for n_in, n_out in zip(layers, layers[1:])]
