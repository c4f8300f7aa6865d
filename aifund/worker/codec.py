"""The worker's half of the wire for values: numbered handles for the implementation's objects, decoding a
request's arguments, encoding its result (or the exception it raised) and dispatching it to an ``op_`` handler.
It never decides anything about the values: the handlers are in requests.py, every verdict is the kit's."""
from __future__ import annotations

import os
import sys
import traceback

import numpy as np

from aifund.worker import wire

MESSAGE_CAP = 4000  # characters of an exception's text sent back


class Codec:
    """The handle table and the codec; Worker (requests.py) adds the request handlers, op_<request>, and
    ``framework``, the adapter that makes and describes Tensors (aifund/worker/frameworks/)."""

    def __init__(self):
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}      # id(object) -> handle, while the handle holds the object
        self.next_id = 1

    # ------------------------------------------------------------ values
    def handle(self, obj) -> dict:
        # The same object always gets the same handle (fewer entries in the table). The kit never reads identity
        # from these numbers: an implementation can change them (identity is checked by effect, kit/effects.py).
        oid = self.ids.get(id(obj))
        if oid is None or self.objects.get(oid) is not obj:
            oid = self.next_id
            self.next_id += 1
            self.objects[oid] = obj
            self.ids[id(obj)] = oid
        out = {"$obj": oid, "type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
        out.update(self.framework.claims(obj))       # a Tensor's shape and dtype
        return out

    def encode(self, value, blobs) -> object:
        return wire.encode_plain(value, blobs, lambda v, depth: self.handle(v))

    def decode(self, value, blobs):
        return wire.decode_plain(value, blobs, self._special)

    def _special(self, tag, value, depth):
        body = value[tag]
        wire.require_fields(value, {tag})
        if tag == "$r":
            if type(body) is not int or body not in self.objects:
                raise wire.WireError(f"no object with handle {body!r}")
            return self.objects[body]
        if tag == "$t":
            return self.framework.from_array(wire.array_from_bytes(wire._blob(self._blobs, body)))
        if tag == "$dtype":
            return self.framework.dtype(str(body))
        if tag == "$rng":
            bits = np.random.PCG64()
            bits.state = body
            return np.random.Generator(bits)
        raise wire.WireError(f"unknown tag {tag}")

    # ------------------------------------------------------------ requests
    def answer(self, header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        self._blobs = blobs
        seq = header.pop("seq", None)
        reply, reply_blobs = self._answer(header, blobs)
        reply["seq"] = seq
        return reply, reply_blobs

    def _answer(self, header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        op = header.get("op")
        method = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if method is None:
            return {"protocol_error": f"unknown request {op!r}"}, []
        out_blobs: list[bytes] = []
        try:
            result = method(header, out_blobs)
        except wire.WireError as exc:
            return {"protocol_error": str(exc)}, []
        except BaseException as exc:  # noqa: BLE001 - the implementation's failure is an answer, not our crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"raised": describe(exc)}, []
        try:
            encoded = self.encode(result, out_blobs)
        except BaseException as exc:  # noqa: BLE001 - e.g. an array too large to send
            return {"raised": describe(exc)}, []
        return {"ok": encoded}, out_blobs

    def _obj(self, ref):
        return self.decode(ref, self._blobs)


def describe(exc: BaseException) -> dict:
    frames = traceback.extract_tb(exc.__traceback__)
    kit = os.path.dirname(os.path.abspath(__file__))
    outside = [f for f in frames if not f.filename.startswith(kit) and "importlib" not in f.filename]
    # the innermost frame of the implementation's own code, not of a library it called (pytest.skip...)
    own = [f for f in outside if "site-packages" not in f.filename and not f.filename.startswith(sys.base_prefix)]
    frame = (own or outside or [None])[-1]
    where = f"{frame.filename}:{frame.lineno}" if frame else ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        text = "<the exception's text could not be read>"
    if isinstance(exc, SystemExit):
        text = f"sys.exit({exc.code!r})"
    return {"type": type(exc).__name__, "message": text[:MESSAGE_CAP], "where": where}
