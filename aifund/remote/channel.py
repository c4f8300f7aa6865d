"""Framed requests to the worker and its answers, one at a time: writes and reads that check the deadline,
a bounded linear frame reader, and the answer's envelope (ok, raised, refused). It never interprets the
values inside an answer (codec.py does) and never decides a verdict.
"""
from __future__ import annotations

import os
import select
import time

from aifund import untrusted
from aifund.remote.errors import ImplementationRaised, NotImplementedYet, WorkerGone
from aifund.remote.process import WorkerProcess
from aifund.worker import wire


class Channel:
    """The request pipes of ``process``. A timeout, a death or a malformed answer stops the process and
    raises WorkerGone; the sequence numbers run on across the process's restarts."""

    def __init__(self, process: WorkerProcess):
        self.process = process
        self._seq = 0
        self._reader = wire.FrameReader()
        self._pending = []

    def open(self):
        """Forgets what an earlier process left half-read (called when a new one starts)."""
        self._reader = wire.FrameReader()
        self._pending = []

    def request(self, header: dict, blobs: list[bytes] = (), *, what: str, deadline: float | None, decode):
        """Sends one request and waits for its answer; ``decode(value, blobs)`` reads an ``ok`` answer."""
        if not self.process.alive or self.process.to_fd is None:
            raise WorkerGone("died", self.process.death_text(f"before {what}"))
        self._seq += 1
        header = dict(header, seq=self._seq)
        frame = wire.pack(header, list(blobs))
        self._write(frame, what, deadline)
        reply, reply_blobs = self._read(what, deadline)
        try:
            if reply.get("seq") != self._seq:
                raise wire.WireError("an answer to a request that was not asked (out of order or forged)")
            if "ok" in reply:
                wire.require_fields(reply, {"ok", "seq"})
                return decode(reply["ok"], reply_blobs)
            if "raised" in reply:
                wire.require_fields(reply, {"raised", "seq"})
                r = reply["raised"]
                if not (isinstance(r, dict) and set(r) == {"type", "message", "where"}
                        and all(isinstance(v, str) for v in r.values())):
                    raise wire.WireError("a malformed report of an exception")
                if r["type"] == "NotImplementedError":
                    raise NotImplementedYet(r["message"][:4000], r["where"][:500])
                raise ImplementationRaised(r["type"][:200], r["message"][:4000], r["where"][:500])
            if "protocol_error" in reply:
                raise wire.WireError(f"the worker refused the request: {str(reply['protocol_error'])[:500]}")
            raise wire.WireError(f"an answer with unknown fields {sorted(reply)[:5]}")
        except wire.WireError as exc:
            self.process.stop()
            raise WorkerGone("protocol", f"the implementation's process sent a malformed answer: {exc}") from None

    def _remaining(self, what: str, deadline: float | None) -> float:
        if deadline is None:
            return 3600.0
        left = deadline - time.monotonic()
        if left <= 0:
            self.process.stop()
            raise WorkerGone("timeout", f"no answer within the time limit while {what}")
        return left

    def _write(self, data: bytes, what: str, deadline: float | None):
        view = memoryview(data)
        while view:
            left = self._remaining(what, deadline)
            _, writable, _ = select.select([], [self.process.to_fd], [], min(left, 1.0))
            if not writable:
                if not self.process.alive:
                    raise WorkerGone("died", self.process.death_text(f"while {what}"))
                continue
            try:
                n = os.write(self.process.to_fd, view[:1 << 16])
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                self.process.reap()
                raise WorkerGone("died", self.process.death_text(f"while {what}")) from None
            view = view[n:]

    def _read(self, what: str, deadline: float | None):
        while True:
            if self._pending:
                return self._pending.pop(0)
            left = self._remaining(what, deadline)
            readable, _, _ = select.select([self.process.from_fd], [], [], min(left, 1.0))
            if not readable:
                continue
            try:
                chunk = os.read(self.process.from_fd, 1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self.process.reap()
                raise WorkerGone("died", self.process.death_text(f"while {what}"))
            try:
                # Every text the worker sends (messages, type names, records) is the submission's: made safe
                # here, where it enters the kit, so nothing downstream can be crashed by it.
                self._pending.extend((untrusted.json_safe(header), blobs) for header, blobs in self._reader.feed(chunk))
            except wire.WireError as exc:
                self.process.stop()
                raise WorkerGone("protocol", f"the implementation's process sent a malformed answer: {exc}") from None
