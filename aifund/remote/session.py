"""A worker session: the worker's process, the framed requests to it, and the object API on top.

This module never imports the implementation under test and never decides a verdict.
"""
from __future__ import annotations

import os
import pathlib
import time

import numpy as np

from aifund import shortcuts
from aifund.remote import codec
from aifund.remote.channel import Channel
from aifund.remote.errors import ImplementationRaised, NotImplementedYet, WorkerGone, describe_gone, describe_import_error
from aifund.remote.handles import _MODULE, Remote, RemoteModule
from aifund.remote.process import WorkerProcess
from aifund.sandbox import Sandbox


_CURRENT: list = [None]


def current() -> "Session":
    session = _CURRENT[0]
    if session is None:
        raise RuntimeError("no implementation session is active (the conformance plugin starts one per test)")
    return session


def set_current(session: "Session | None"):
    _CURRENT[0] = session


def Tensor(data, dtype=None) -> "Remote":  # noqa: N802 - reads like tinygrad's constructor in the tests
    """A Tensor of the session's framework made in the worker from ``data`` (a numpy array keeps its dtype;
    in torch, a floating-point one requires a gradient)."""
    return current().tensor(data, dtype)


def _manual_seed(seed: int):
    """The framework's own seeding (tinygrad's Tensor.manual_seed, torch.manual_seed), in the worker."""
    session = current()
    session.send("seed", f"seeding {session.framework}", seed=int(seed))


Tensor.manual_seed = _manual_seed


UNREPORTED = {"kind": "worker", "detail": "a worker ended before its last audit report: what it did in its "
                                          "last test is not known"}


class Session:
    """One implementation's worker, restarted when it is gone: its process (process.py), the requests to
    it (channel.py), and the requests by name the checks use (``tensor``, ``call``, files, flags...)."""

    def __init__(self, target: str, sandbox: Sandbox, *, names: list[str], reference_access: bool = False,
                 cache_dir: pathlib.Path, shared_cache: pathlib.Path | None = None,
                 import_timeout: float = 60.0, env: dict | None = None,
                 display_path: str | None = None, framework: str = "tinygrad"):
        self.target = target                    # "impl" (the reference) or a path on this machine
        self.display_path = display_path or target
        self.sandbox = sandbox
        self.framework = framework              # the worker's adapter (aifund/worker/frameworks/)
        self.names = list(names)
        self.reference_access = reference_access or target == "impl"
        self.cache_dir = pathlib.Path(cache_dir)
        self.shared_cache = pathlib.Path(shared_cache) if shared_cache is not None else None
        self.import_timeout = import_timeout
        self.env = dict(env if env is not None else os.environ)
        self.process = WorkerProcess(sandbox)
        self.channel = Channel(self.process)
        self.generation = 0
        self.deadline = None                    # set per test by the plugin
        self.present: list[str] = []
        self.import_error: str | None = None
        self.restarts = 0
        self.starts = 0
        self.kept_flags: list[dict] = []        # audit records read so far, from every worker of the session

    # ------------------------------------------------------------ life cycle
    def start(self):
        """Starts the worker and imports the implementation; sets ``present`` or ``import_error``."""
        self.stop()
        self.generation += 1
        self.starts += 1
        target_src, target_dst = None, "impl"
        if self.target != "impl":
            src = pathlib.Path(self.target)
            if self.sandbox.isolated:
                target_src, target_dst = src, f"/submission/{src.name}"
            else:
                target_dst = str(src)
        self.process.start(target_src=target_src, target_dst=target_dst,
                           cache_dir=self.cache_dir, shared_cache=self.shared_cache,
                           reference=self.reference_access, env=self.env, framework=self.framework)
        self.channel.open()
        self.present, self.import_error = [], None
        saved = self.deadline
        self.deadline = time.monotonic() + self.import_timeout
        try:
            self.present = self.request({"op": "import", "target": target_dst, "names": self.names},
                                        what="importing the implementation")
            if not isinstance(self.present, list) or not all(isinstance(n, str) for n in self.present):
                raise WorkerGone("protocol", "the worker's list of defined names is not a list of names")
        except (ImplementationRaised, NotImplementedYet) as exc:
            self.import_error = describe_import_error(exc)
        except WorkerGone as exc:
            self.import_error = describe_gone(exc, during="import", limit=self.import_timeout)
            self.stop()
        finally:
            self.deadline = saved

    @property
    def alive(self) -> bool:
        return self.process.alive

    def ensure(self):
        if not self.alive:
            if self.starts:
                self.restarts += 1
                self._keep(UNREPORTED)
            self.start()

    def stop(self):
        self.process.stop()

    def output(self) -> str:
        return self.process.output()

    # ------------------------------------------------------------ requests
    def request(self, header: dict, blobs: list[bytes] = (), *, what: str = "a request"):
        return self.channel.request(header, blobs, what=what, deadline=self.deadline, decode=self.decode)

    def decode(self, value, blobs):
        return codec.decode(self, value, blobs)

    def encode(self, value, blobs):
        return codec.encode(self, value, blobs)

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
        except (WorkerGone, ImplementationRaised, NotImplementedYet):
            return [{"kind": "worker", "detail": "did not report its audit records"}]
        finally:
            self.deadline = saved
        if not isinstance(flags, list) or not all(
                isinstance(f, dict) and set(f) == {"kind", "detail"} and all(isinstance(v, str) for v in f.values())
                for f in flags):
            return [{"kind": "worker", "detail": "sent malformed audit records"}]
        return [{"kind": f["kind"][:40], "detail": f["detail"][:300]} for f in flags[:50]]

    def shortcuts(self) -> tuple[dict | None, dict]:
        """(the library shortcuts the worker watched since last asked, those it saw at import), within 10 s:
        claims that can only count against the implementation, so what is unreadable counts as none; None
        first where the framework's shortcuts are not watched."""
        saved, self.deadline = self.deadline, time.monotonic() + 10
        try:
            answer = self.send("shortcuts", "reading the library shortcuts watched")
        except (WorkerGone, ImplementationRaised, NotImplementedYet):
            return {}, {}
        finally:
            self.deadline = saved
        if not isinstance(answer, dict):
            return {}, {}
        used = None if answer.get("used") is None else shortcuts.clean(answer.get("used"))
        return used, shortcuts.clean(answer.get("import"))

    def collect_flags(self) -> list:
        """Reads the worker's audit records now and keeps them (after each test, and at the end), so a worker
        that ends later cannot take what it recorded with it; a worker gone without a last report is noted."""
        if self.alive:
            for f in self.flags():
                self._keep(f)
        elif self.starts:
            self._keep(UNREPORTED)
        return list(self.kept_flags)

    def _keep(self, flag: dict):
        if flag not in self.kept_flags and len(self.kept_flags) < 100:
            self.kept_flags.append(flag)

    def reset(self):
        if self.alive:
            self.send("reset", "forgetting the last test's objects")

    def module(self) -> "RemoteModule":
        return RemoteModule(self)
