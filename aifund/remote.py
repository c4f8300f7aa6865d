"""The kit's side of the boundary: a worker process per implementation, and handles to its objects.

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
from __future__ import annotations

import os
import pathlib
import select
import signal
import subprocess
import threading
import time

import numpy as np

from aifund import sandbox as sandbox_module
from aifund.sandbox import Sandbox, worker_command
from aifund.worker import wire

OUTPUT_KEEP = 64 * 1024
TENSOR_TYPE = "tinygrad.tensor.Tensor"


class WorkerGone(BaseException):
    """The worker can no longer answer (timed out, died, or broke the protocol).

    A BaseException, like pytest's own outcomes: Hypothesis must not retry or
    shrink on it (each retry would start a worker and wait out the limit again).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind        # "timeout", "died", "protocol"


class ImplementationRaised(Exception):
    """The implementation raised while answering a request."""

    def __init__(self, type_name: str, message: str, where: str):
        super().__init__(f"{type_name}: {message}" + (f" (at {where})" if where else ""))
        self.type_name, self.text, self.where = type_name, message, where


class ImportFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)


_CURRENT: list = [None]


def current() -> "Session":
    session = _CURRENT[0]
    if session is None:
        raise RuntimeError("no implementation session is active (the conformance plugin starts one per test)")
    return session


def set_current(session: "Session | None"):
    _CURRENT[0] = session


def Tensor(data, dtype=None) -> "Remote":  # noqa: N802 - reads like tinygrad's constructor in the tests
    """A tinygrad Tensor made in the worker from ``data`` (a numpy array keeps its dtype)."""
    return current().tensor(data, dtype)


def _manual_seed(seed: int):
    """tinygrad's Tensor.manual_seed, in the worker."""
    current().send("seed", "seeding tinygrad", seed=int(seed))


Tensor.manual_seed = _manual_seed


def same_object(a, b) -> bool:
    """The worker's claim that two handles are one object (it gives one object one handle)."""
    return isinstance(a, Remote) and isinstance(b, Remote) and a._session is b._session and a._oid == b._oid


class Session:
    def __init__(self, target: str, sandbox: Sandbox, *, names: list[str], reference_access: bool = False,
                 cache_dir: pathlib.Path, shared_cache: pathlib.Path | None = None,
                 import_timeout: float = 60.0, env: dict | None = None,
                 display_path: str | None = None):
        self.target = target                    # "impl" (the reference) or a path on this machine
        self.display_path = display_path or target
        self.sandbox = sandbox
        self.names = list(names)
        self.reference_access = reference_access or target == "impl"
        self.cache_dir = pathlib.Path(cache_dir)
        self.shared_cache = pathlib.Path(shared_cache) if shared_cache is not None else None
        self.import_timeout = import_timeout
        self.env = dict(env if env is not None else os.environ)
        self.proc = None
        self.group = None                       # the worker's cgroup (sandbox.worker_group)
        self.generation = 0
        self.deadline = None                    # set per test by the plugin
        self.present: list[str] = []
        self.import_error: str | None = None
        self.restarts = 0
        self.starts = 0
        self._seq = 0
        self._output = bytearray()
        self._output_total = 0
        self._scratch = None

    # ------------------------------------------------------------ life cycle
    def start(self):
        """Starts the worker and imports the implementation; sets ``present`` or ``import_error``."""
        self.stop()
        self.generation += 1
        self.starts += 1
        k2w_r, k2w_w = os.pipe()
        w2k_r, w2k_w = os.pipe()
        out_r, out_w = os.pipe()
        target_src, target_dst = None, "impl"
        if self.target != "impl":
            src = pathlib.Path(self.target)
            if self.sandbox.isolated:
                target_src, target_dst = src, f"/submission/{src.name}"
            else:
                target_dst = str(src)
        argv, env, preexec = worker_command(self.sandbox, target_src=target_src, target_dst=target_dst,
                                            cache_dir=self.cache_dir, shared_cache=self.shared_cache,
                                            reference=self.reference_access,
                                            fds=(k2w_r, w2k_w), env=self.env)
        self.group = sandbox_module.worker_group(self.sandbox)
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, pass_fds=(k2w_r, w2k_w),
                                         env=env, preexec_fn=self.group.joining(preexec), close_fds=True)
        finally:
            for fd in (k2w_r, w2k_w, out_w):
                os.close(fd)
        self._to = k2w_w
        self._from = w2k_r
        os.set_blocking(self._to, False)
        os.set_blocking(self._from, False)
        self._reader = wire.FrameReader()
        self._pending = []
        threading.Thread(target=self._drain, args=(out_r,), daemon=True).start()
        self.present, self.import_error = [], None
        saved = self.deadline
        self.deadline = time.monotonic() + self.import_timeout
        try:
            self.present = self.request({"op": "import", "target": target_dst, "names": self.names},
                                        what="importing the implementation")
            if not isinstance(self.present, list) or not all(isinstance(n, str) for n in self.present):
                raise WorkerGone("protocol", "the worker's list of defined names is not a list of names")
        except ImplementationRaised as exc:
            self.import_error = describe_import_error(exc)
        except WorkerGone as exc:
            self.import_error = describe_gone(exc, during="import", limit=self.import_timeout)
            self.stop()
        finally:
            self.deadline = saved

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure(self):
        if not self.alive:
            if self.starts:
                self.restarts += 1
            self.start()

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for fd in (getattr(self, "_to", None), getattr(self, "_from", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to = self._from = None
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # the sandbox's first process; the kernel ends the rest
        except (ProcessLookupError, PermissionError):
            pass
        if not self.sandbox.isolated and self.sandbox.uid is not None:
            sandbox_module.end_user_processes(self.sandbox.uid)   # no pid namespace: end its user's processes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.group.close()      # ends what is left in the group (after the worker's own end) and removes it

    def _drain(self, fd: int):
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while True:
                try:
                    chunk = stream.read(1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                self._output_total += len(chunk)
                room = OUTPUT_KEEP - len(self._output)
                if room > 0:
                    self._output += chunk[:room]

    def output(self) -> str:
        text = self._output.decode("utf-8", "replace")
        dropped = self._output_total - len(self._output)
        return text + (f"\n[... {dropped} more bytes of output dropped]" if dropped > 0 else "")

    # ------------------------------------------------------------ requests
    def request(self, header: dict, blobs: list[bytes] = (), *, what: str = "a request"):
        if not self.alive or self._to is None:
            raise WorkerGone("died", self._death_text(f"before {what}"))
        self._seq += 1
        header = dict(header, seq=self._seq)
        frame = wire.pack(header, list(blobs))
        self._write(frame, what)
        reply, reply_blobs = self._read(what)
        try:
            if reply.get("seq") != self._seq:
                raise wire.WireError("an answer to a request that was not asked (out of order or forged)")
            if "ok" in reply:
                wire.require_fields(reply, {"ok", "seq"})
                return self.decode(reply["ok"], reply_blobs)
            if "raised" in reply:
                wire.require_fields(reply, {"raised", "seq"})
                r = reply["raised"]
                if not (isinstance(r, dict) and set(r) == {"type", "message", "where"}
                        and all(isinstance(v, str) for v in r.values())):
                    raise wire.WireError("a malformed report of an exception")
                raise ImplementationRaised(r["type"][:200], r["message"][:4000], r["where"][:500])
            if "protocol_error" in reply:
                raise wire.WireError(f"the worker refused the request: {str(reply['protocol_error'])[:500]}")
            raise wire.WireError(f"an answer with unknown fields {sorted(reply)[:5]}")
        except wire.WireError as exc:
            self.stop()
            raise WorkerGone("protocol", f"the implementation's process sent a malformed answer: {exc}") from None

    def _remaining(self, what: str) -> float:
        if self.deadline is None:
            return 3600.0
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.stop()
            raise WorkerGone("timeout", f"no answer within the time limit while {what}")
        return left

    def _write(self, data: bytes, what: str):
        view = memoryview(data)
        while view:
            left = self._remaining(what)
            _, writable, _ = select.select([], [self._to], [], min(left, 1.0))
            if not writable:
                if not self.alive:
                    raise WorkerGone("died", self._death_text(f"while {what}"))
                continue
            try:
                n = os.write(self._to, view[:1 << 16])
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                self._reap()
                raise WorkerGone("died", self._death_text(f"while {what}")) from None
            view = view[n:]

    def _read(self, what: str):
        while True:
            if self._pending:
                return self._pending.pop(0)
            left = self._remaining(what)
            readable, _, _ = select.select([self._from], [], [], min(left, 1.0))
            if not readable:
                continue
            try:
                chunk = os.read(self._from, 1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._reap()
                raise WorkerGone("died", self._death_text(f"while {what}"))
            try:
                self._pending.extend(self._reader.feed(chunk))
            except wire.WireError as exc:
                self.stop()
                raise WorkerGone("protocol", f"the implementation's process sent a malformed answer: {exc}") from None

    def _reap(self):
        proc = self.proc
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        self._last_code = proc.returncode if proc is not None else None

    def _death_text(self, when: str) -> str:
        code = getattr(self, "_last_code", None)
        if code is None and self.proc is not None:
            code = self.proc.poll()
        if code is None:
            how = "ended"
        elif code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            how = f"was killed by {sig}" + (" (over its memory or CPU limit?)" if sig in ("SIGKILL", "SIGXCPU") else "")
        else:
            how = f"exited with status {code}"
        how = (self.group and self.group.breach()) or how
        tail = self.output().strip().splitlines()[-3:]
        return f"the implementation's process {how} {when}" + (f"; its last output: {' | '.join(tail)[:300]}" if tail else "")

    # ------------------------------------------------------------ values
    def decode(self, value, blobs):
        return wire.decode_plain(value, blobs, self._special)

    def _special(self, tag, value, depth):
        if tag != "$obj":
            raise wire.WireError(f"the worker may not send {tag}")
        wire.require_fields(value, {"$obj", "type"}, {"shape", "dtype"})
        oid, type_name = value["$obj"], value["type"]
        if type(oid) is not int or not isinstance(type_name, str) or len(type_name) > 300:
            raise wire.WireError("a malformed object handle")
        shape = value.get("shape")
        if shape is not None:
            if not (isinstance(shape, list) and len(shape) <= 16 and all(type(s) is int and 0 <= s < 2 ** 40 for s in shape)):
                raise wire.WireError("a malformed shape claim")
            shape = tuple(shape)
        dtype = value.get("dtype")
        if dtype is not None and (not isinstance(dtype, str) or len(dtype) > 40):
            raise wire.WireError("a malformed dtype claim")
        return Remote(self, oid, type_name, shape, dtype)

    def encode(self, value, blobs):
        return wire.encode_plain(value, blobs, self._encode_special)

    def _encode_special(self, value, depth):
        if isinstance(value, Remote):
            if value._session is not self or value._generation != self.generation:
                raise StaleHandle("an object of an earlier run of the implementation's process was used")
            return {"$r": value._oid}
        if isinstance(value, _ModuleRef):
            return {"$r": 0}
        if isinstance(value, ModuleName):
            return {"$r": self.attribute(value._name)._oid}
        if isinstance(value, np.random.Generator):
            if not isinstance(value.bit_generator, np.random.PCG64):
                raise TypeError("only PCG64 generators cross the boundary")
            return {"$rng": value.bit_generator.state}
        if isinstance(value, pathlib.PurePath):
            return str(value)
        if isinstance(value, float):
            return wire.float_to_json(float(value))
        raise TypeError(f"{type(value).__name__} does not cross the boundary")

    def send(self, op: str, what: str, **fields):
        blobs: list[bytes] = []
        header = {"op": op}
        for k, v in fields.items():
            header[k] = v if k in ("name", "op") else self.encode(v, blobs)
        return self.request(header, blobs, what=what)

    # ------------------------------------------------------------ operations
    def tensor(self, data, dtype=None) -> "Remote":
        fields = {"data": data if isinstance(data, np.ndarray) else (list(data) if isinstance(data, tuple) else data)}
        blobs: list[bytes] = []
        header = {"op": "tensor", "data": self.encode(fields["data"], blobs)}
        if dtype is not None:
            header["dtype"] = {"$dtype": np.dtype(dtype).name}
        return self.request(header, blobs, what="making a Tensor")

    def attribute(self, name: str) -> "Remote":
        return self.request({"op": "getattr", "obj": {"$r": 0}, "name": name}, what=f"reading impl.{name}")

    def call(self, name: str, *args, **kwargs):
        return self.send("call", f"calling impl.{name}", obj=_MODULE, name=name, args=list(args), kwargs=kwargs)

    def optimizer_run(self, cls: str, kwargs: dict, params: list, grads: list, checkpoints: list):
        """Steps optimizer ``cls`` on Tensors made from ``params``; ``grads[i][t]`` is parameter i's gradient
        at step t. Returns the history (arrays after each checkpoint step) and the final parameter handles."""
        return self.send("optimizer_run", f"running {cls} for {len(grads[0]) if grads else 0} steps",
                         cls=cls, kwargs=kwargs, params=list(params), grads=list(grads), checkpoints=list(checkpoints))

    def scratch_path(self, name: str) -> str:
        """Where file ``name`` lives in the implementation's process (its private scratch folder)."""
        path = self.send("scratch_path", "naming a scratch file", name=name)
        if not isinstance(path, str):
            raise WorkerGone("protocol", "the worker named a scratch file with something that is not a path")
        return path

    def write_file(self, name: str, data: bytes):
        self.send("write_file", f"writing {name}", name=name, data=np.frombuffer(data, dtype=np.uint8))

    def read_file(self, name: str) -> bytes:
        data = self.send("read_file", f"reading {name}", name=name)
        if type(data) is not np.ndarray or data.dtype != np.uint8 or data.ndim != 1:
            raise WorkerGone("protocol", f"the worker sent {name} back as something other than bytes")
        return data.tobytes()

    def realize(self, handles: list):
        """Realize these Tensors of the worker in one schedule (tinygrad's own Tensor.realize)."""
        self.send("realize", "realizing Tensors together", objs=list(handles))

    def flags(self) -> list:
        """What the worker's audit hook recorded (claims), within 10 s; [] when it cannot say."""
        saved, self.deadline = self.deadline, time.monotonic() + 10
        try:
            flags = self.send("flags", "reading the integrity flags")
        except (WorkerGone, ImplementationRaised):
            return [{"kind": "worker", "detail": "did not report its audit records"}]
        finally:
            self.deadline = saved
        if not isinstance(flags, list) or not all(
                isinstance(f, dict) and set(f) == {"kind", "detail"} and all(isinstance(v, str) for v in f.values())
                for f in flags):
            return [{"kind": "worker", "detail": "sent malformed audit records"}]
        return [{"kind": f["kind"][:40], "detail": f["detail"][:300]} for f in flags[:50]]

    def reset(self):
        if self.alive:
            self.send("reset", "forgetting the last test's objects")

    def module(self) -> "RemoteModule":
        return RemoteModule(self)


class StaleHandle(RuntimeError):
    pass


class Remote:
    """An object that lives in the worker. Attribute reads, writes, calls and operators are requests."""

    __slots__ = ("_session", "_oid", "_type", "_shape", "_dtype", "_generation")

    def __init__(self, session, oid, type_name, shape=None, dtype=None):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_oid", oid)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_dtype", dtype)
        object.__setattr__(self, "_generation", session.generation)

    def __repr__(self):
        extra = f" shape {self._shape} {self._dtype}" if self._shape is not None else ""
        return f"<{self._type}{extra} in the implementation's process>"

    def __getattr__(self, name):
        if name.startswith("_"):
            # Private and special names are never asked of the worker: pytest, Hypothesis and numpy
            # probe objects for them (_repr_pretty_, __array__...), and the contract has none.
            raise AttributeError(name)
        return self._session.send("getattr", f"reading .{name}", obj=self, name=name)

    def __setattr__(self, name, value):
        self._session.send("setattr", f"setting .{name}", obj=self, name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._session.send("call", f"calling {self._type.rsplit('.', 1)[-1]}", obj=self, args=list(args),
                                  kwargs=kwargs)

    def numpy(self):
        """The values, read by the worker with tinygrad's own Tensor.numpy as it was before the
        implementation was imported (a replacement installed by the implementation is not used)."""
        return self._session.send("read", "reading values back", obj=self)

    def _call_method(self, name, *args, **kwargs):
        return self._session.send("call", f"calling .{name}()", obj=self, name=name, args=list(args), kwargs=kwargs)

    def __mul__(self, o): return self._call_method("__mul__", o)
    def __rmul__(self, o): return self._call_method("__rmul__", o)
    def __add__(self, o): return self._call_method("__add__", o)
    def __radd__(self, o): return self._call_method("__radd__", o)
    def __sub__(self, o): return self._call_method("__sub__", o)
    def __rsub__(self, o): return self._call_method("__rsub__", o)
    def __truediv__(self, o): return self._call_method("__truediv__", o)
    def __matmul__(self, o): return self._call_method("__matmul__", o)
    def __pow__(self, o): return self._call_method("__pow__", o)
    def __neg__(self): return self._call_method("__neg__")
    def __getitem__(self, key): return self._call_method("__getitem__", key)
    def __len__(self):
        n = self._call_method("__len__")
        if type(n) is not int or n < 0:
            raise TypeError("__len__ of an object of the implementation did not give a non-negative int")
        return n
    def __iter__(self):
        return iter([self[i] for i in range(len(self))])


class _ModuleRef:
    """The implementation's module itself (handle 0 in every worker)."""


_MODULE = _ModuleRef()


class ModuleName:
    """impl.NAME: calling it is one request; other uses read the attribute first."""

    def __init__(self, session: Session, name: str):
        self._session, self._name = session, name

    def __call__(self, *args, **kwargs):
        return self._session.call(self._name, *args, **kwargs)

    def __repr__(self):
        return f"impl.{self._name}"

    def resolve(self) -> Remote:
        return self._session.attribute(self._name)


class RemoteModule:
    """The implementation's module as the tests see it: ``impl.sigmoid(z)``, ``impl.Linear(3, 2)``."""

    def __init__(self, session: Session):
        self._session = session

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return ModuleName(self._session, name)

    def __repr__(self):
        return f"<implementation {self._session.display_path} in a worker process>"


# -------------------------------------------------------------------- claims

def type_claim(value) -> str:
    """The worker's claim about a handle's type, or the local type of plain data."""
    if isinstance(value, Remote):
        return value._type
    return f"{type(value).__module__}.{type(value).__qualname__}"


def tensor_claims(value) -> tuple | None:
    """(shape, dtype) the worker claims for a tinygrad Tensor handle, else None."""
    if isinstance(value, Remote) and value._type == TENSOR_TYPE:
        return value._shape, value._dtype
    return None


def is_instance(value, cls: ModuleName) -> bool:
    """The worker's claim that ``value`` is an instance of the implementation's class ``cls``."""
    if not isinstance(value, Remote):
        return False
    session = value._session
    result = session.send("isinstance", "checking a type", obj=value, cls=cls)
    return result is True


def describe_import_error(exc: ImplementationRaised) -> str:
    if exc.type_name == "SystemExit":
        return f"the module called {exc.text} while being imported"
    return f"{exc.type_name}: {exc.text}" + (f" (at {exc.where})" if exc.where else "")


def describe_gone(exc: WorkerGone, during: str, limit: float) -> str:
    if exc.kind == "timeout":
        return f"the {during} did not finish within {limit:g} s (an endless loop at import time?)"
    return f"{exc} (during {during})"
