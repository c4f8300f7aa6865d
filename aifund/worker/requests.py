"""The requests the worker answers, one ``op_<request>`` method each, on the implementation it imported.
It never decides anything: it calls what it is asked to call; the handle table and codec are codec.py's.

Requests (one JSON header each, see ``wire``):

    import      {"target", "names"}          import the module; which contract names it defines
    tensor      {"data", "dtype"?}           a Tensor of the framework from an array
    getattr     {"obj", "name"}              obj.name
    setattr     {"obj", "name", "value"}     obj.name = value
    call        {"obj", "name"?, "args", "kwargs"}   obj.name(*args, **kwargs), or obj(...) without a name
    isinstance  {"obj", "cls"}               isinstance(obj, cls)
    optimizer_run {"cls", "kwargs", "params", "grads", "checkpoints"}
                                             N optimizer steps on given gradients, parameters read back
    scratch_path {"name"}                    the path of a file in the worker's private scratch folder
    write_file  {"name", "data"}             write bytes (a uint8 array) to that file
    read_file   {"name"}                     read it back
    trace_start {"packages"}                 note calls into these packages until trace_stop
    trace_stop  {}                           the calls noted
    shortcuts   {}                           library shortcuts watched since last asked, and those at import
    seed        {"seed"}                     the framework's own seeding (tinygrad's Tensor.manual_seed)
    read        {"obj"}                      a Tensor's values (the framework's own Tensor.numpy, not a replacement)
    assign_returned {"obj", "name", "values"}  obj.name() here, then values[i] written into the i-th Tensor it
                                             returned (the framework's own in-place write)
    step_returned {"obj", "name", "lr"}      obj.name() here, then p <- p - lr * p.grad for each Tensor it
                                             returned that has a gradient; which ones had one
    realize     {"objs"}                     realize these Tensors in one schedule (tinygrad's own Tensor.realize)
    flags       {}                           what the audit hook recorded (imports of another framework or the kit) and
                                             which library functions the implementation replaced
    reset       {}                           forget every handle but the module's

Everything framework-specific (Tensors, dtypes, gradients, in-place writes, seeding, caches) is the adapter's
(aifund/worker/frameworks/).
"""
from __future__ import annotations

import sys

import numpy as np

from aifund.worker import codec, files_and_traces, frameworks, kernel_caches, parameters_in_place, target, wire
from aifund.worker.audit import Audit, Snapshot
from aifund.worker.codec import Codec
from aifund.worker.files_and_traces import FilesAndTraces
from aifund.worker.parameters_in_place import ParametersInPlace
from aifund.worker.target import ReferenceFinder, import_target

MODULE = 0          # handle of the implementation's module


class Worker(ParametersInPlace, FilesAndTraces, Codec):
    """Every request of the table above; the scratch files and call traces, and the writes into what
    .parameters() returned, are in their own mixins."""

    def __init__(self, reference_path: str | None, loop=None, framework: str = "tinygrad"):
        super().__init__()
        self.framework = frameworks.adapter(framework)
        self.loop = loop                   # the module of the request loop (serve), for the snapshot
        self.scratch = None                # a private folder for files the kit asks for
        self.reference_path = reference_path
        self.audit = Audit(self.framework.own_modules, self.framework.programs)

    # ------------------------------------------------------------ requests
    def op_import(self, h, blobs):
        wire.require_fields(h, {"op", "target", "names"})
        if self.reference_path:
            sys.meta_path.insert(0, ReferenceFinder(self.reference_path))
        self.framework.prepare()      # its caches, and its functions as they were before the implementation
        # the worker's own code (see audit.Snapshot): the handlers and the codec, the modules whose names they
        # look up (this one, the codec, the target import, the caches), the wire format and the request loop
        self.snapshot = Snapshot({**{f"worker.{c.__name__}": c for c in type(self).__mro__
                                     if c.__module__.startswith("aifund.worker.")},
                                  "worker.requests": sys.modules[type(self).__module__], "worker.codec": codec,
                                  "worker.target": target, "worker.kernel_caches": kernel_caches,
                                  "worker.frameworks": frameworks,
                                  f"worker.frameworks.{self.framework.name}": sys.modules[type(self.framework).__module__],
                                  "worker.framework": type(self.framework),
                                  "worker.files_and_traces": files_and_traces,
                                  "worker.parameters_in_place": parameters_in_place,
                                  "worker.wire": wire, **({"worker.serve": self.loop} if self.loop else {})},
                                 framework_spaces=self.framework.spaces())
        if h["target"] != "impl":        # the reference imports itself; a submission only its own files
            self.audit.own(target.module_name(str(h["target"])), str(h["target"]))
        self.audit.start()
        module = import_target(h["target"])
        self.import_shortcuts = self.framework.shortcuts()    # module-level code's, kept apart from any test's
        self.objects[MODULE] = module
        self.ids[id(module)] = MODULE
        return [n for n in h["names"] if isinstance(n, str) and hasattr(module, n)]

    def op_tensor(self, h, blobs):
        wire.require_fields(h, {"op", "data"}, {"dtype"})
        data = self.decode(h["data"], self._blobs)
        return self.framework.tensor(data, self.decode(h["dtype"], self._blobs) if "dtype" in h else None)

    def op_getattr(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name"})
        obj = self._obj(h["obj"])
        with self.framework.kit_call(obj, str(h["name"])):
            return getattr(obj, str(h["name"]))

    def op_setattr(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "name", "value"})
        setattr(self._obj(h["obj"]), str(h["name"]), self.decode(h["value"], self._blobs))
        return None

    def op_call(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "args", "kwargs"}, {"name"})
        obj = target = self._obj(h["obj"])
        if h.get("name") is not None:
            target = getattr(target, str(h["name"]))
        args = self.decode(h["args"], self._blobs)
        kwargs = self.decode(h["kwargs"], self._blobs)
        with self.framework.kit_call(obj, h.get("name")):
            return target(*args, **kwargs)

    def op_isinstance(self, h, blobs):
        wire.require_fields(h, {"op", "obj", "cls"})
        return isinstance(self._obj(h["obj"]), self._obj(h["cls"]))

    def op_optimizer_run(self, h, blobs):
        """params[i] starts at the given array; at step t its .grad is grads[i][t]; returns the
        parameters (as arrays) after each step listed in checkpoints."""
        wire.require_fields(h, {"op", "cls", "kwargs", "params", "grads", "checkpoints"})
        framework = self.framework
        params = [framework.from_array(a) for a in self.decode(h["params"], self._blobs)]
        grads = self.decode(h["grads"], self._blobs)
        checkpoints = set(self.decode(h["checkpoints"], self._blobs))
        opt = getattr(self.objects[MODULE], str(h["cls"]))(params, **self.decode(h["kwargs"], self._blobs))
        history = []
        for t in range(len(grads[0]) if grads else 0):
            for p, g in zip(params, grads):
                framework.set_grad(p, g[t])
            opt.step()
            if t + 1 in checkpoints:
                history.append([np.asarray(framework.read(p)) for p in params])
        # The Tensors themselves too, so the kit can check that they were updated in place.
        return {"history": history, "params": params}

    def op_flags(self, h, blobs):
        wire.require_fields(h, {"op"})
        changed = self.snapshot.changes() if getattr(self, "snapshot", None) else []
        return self.audit.records() + changed

    def op_read(self, h, blobs):
        """A Tensor's values through the framework's own reading as it was before the implementation was
        imported; anything else through its own .numpy()."""
        wire.require_fields(h, {"op", "obj"})
        return self.framework.read(self._obj(h["obj"]))

    def op_realize(self, h, blobs):
        """Tensors read one after another are realized together first: each read would otherwise
        schedule (and compute) the graph they share again, e.g. a forward pass for every gradient."""
        wire.require_fields(h, {"op", "objs"})
        objs = self.decode(h["objs"], self._blobs)
        if not isinstance(objs, list):
            raise wire.WireError("realize takes a list of handles")
        self.framework.realize(objs)
        return None

    def op_reset(self, h, blobs):
        wire.require_fields(h, {"op"})
        module = self.objects.get(MODULE)
        self.objects = {MODULE: module} if module is not None else {}
        self.ids = {id(module): MODULE} if module is not None else {}
        return None

    def op_seed(self, h, blobs):
        """The framework's own seeding, as it was before the implementation was imported."""
        wire.require_fields(h, {"op", "seed"})
        self.framework.seed(int(h["seed"]), getattr(self, "snapshot", None))
        return None
