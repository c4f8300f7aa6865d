"""Values to and from the wire for one session: plain data through ``aifund.worker.wire`` (arrays never as
pickles), handles as ``$obj`` claims coming in and ``$r`` references going out. It sends no request of its
own except to resolve ``impl.NAME`` to a handle, and never judges a claim.
"""
from __future__ import annotations

import functools
import pathlib

import numpy as np

from aifund.remote.errors import StaleHandle
from aifund.remote.handles import ModuleName, Remote, _ModuleRef
from aifund.worker import wire


def decode(session, value, blobs):
    """An answer's value; objects the worker keeps become ``Remote`` handles of ``session``."""
    return wire.decode_plain(value, blobs, functools.partial(_special, session))


def _special(session, tag, value, depth):
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
    return Remote(session, oid, type_name, shape, dtype)


def encode(session, value, blobs):
    """A request's value; handles must belong to ``session``'s current process."""
    return wire.encode_plain(value, blobs, functools.partial(_encode_special, session))


def _encode_special(session, value, depth):
    if isinstance(value, Remote):
        if value._session is not session or value._generation != session.generation:
            raise StaleHandle("an object of an earlier run of the implementation's process was used")
        return {"$r": value._oid}
    if isinstance(value, _ModuleRef):
        return {"$r": 0}
    if isinstance(value, ModuleName):
        return {"$r": session.attribute(value._name)._oid}
    if isinstance(value, np.random.Generator):
        if not isinstance(value.bit_generator, np.random.PCG64):
            raise TypeError("only PCG64 generators cross the boundary")
        return {"$rng": value.bit_generator.state}
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if isinstance(value, float):
        return wire.float_to_json(float(value))
    raise TypeError(f"{type(value).__name__} does not cross the boundary")
