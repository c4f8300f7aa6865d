"""The kit's side of the boundary: a worker process per implementation, and handles to its objects.

This package's __init__ is the boundary's public face: checks and tests import from ``aifund.remote``
(``Tensor``, ``current``, the claims, the errors), never from its modules.

The kit never imports the implementation under test. A ``Session`` starts the
worker (``aifund.worker.serve``) in the sandbox and sends it requests; what
comes back is plain data: numpy arrays read with ``allow_pickle=False``, JSON
scalars, lists and tuples of those, and ``Remote`` handles for everything else.
A handle carries the worker's *claims* about the object (its type, and for a
tinygrad Tensor its shape and dtype); checks compare claims with what the spec
wants and read values back as arrays, and only values read back are compared.

Reading is bounded and linear: every message is capped, every wait checks the
deadline, the implementation's printed output is drained on a thread that keeps
the first 64 KiB and counts the rest. A worker that times out, dies, or breaks
the protocol is killed with every process it started, and the next test starts
a new one.
"""
from aifund.remote.errors import (ImplementationRaised, ImportFailed, NotImplementedYet, StaleHandle, WorkerGone, describe_gone,
                                  describe_import_error)
from aifund.remote.handles import (TENSOR_TYPE, ModuleName, Remote, RemoteModule, is_instance,
                                   tensor_claims, type_claim)
from aifund.remote.process import OUTPUT_KEEP
from aifund.remote.session import Session, Tensor, current, set_current

__all__ = ["ImplementationRaised", "ImportFailed", "NotImplementedYet", "StaleHandle", "WorkerGone", "describe_gone", "describe_import_error",
           "TENSOR_TYPE", "ModuleName", "Remote", "RemoteModule", "is_instance", "tensor_claims",
           "type_claim", "OUTPUT_KEEP", "Session", "Tensor", "current", "set_current"]
