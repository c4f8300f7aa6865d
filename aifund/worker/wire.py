"""The bytes that cross the trust boundary, and how both sides read them.

One message is a frame:

    b"AF1" | u32 header length | header (UTF-8 JSON) | u16 blob count | (u64 length | blob)*

The header is a JSON object. Values inside it use a few tagged objects, and
nothing else is ever turned into a Python object:

    {"$f": "nan" | "inf" | "-inf"}     a non-finite float (JSON has none)
    {"$a": k}                          numpy array: blob k, an .npy file read with allow_pickle=False
    {"$t": k}                          (kit to worker only) a tinygrad Tensor made from blob k
    {"$np": k}                         numpy scalar: blob k, a 0-d .npy array
    {"$tuple": [...]}, {"$dict": {..}} containers (JSON lists are Python lists)
    {"$rng": state}                    a numpy Generator (PCG64) with this bit-generator state
    {"$dtype": "float32"}              (kit to worker only) a tinygrad dtype
    {"$r": id}                         (kit to worker only) an object the worker holds
    {"$obj": id, "type": "mod.Name", "shape": [...], "dtype": "float32"}
                                       (worker to kit) an object the worker holds; type, shape and
                                       dtype are the worker's claims, never verdicts

This module is imported by both sides and must stay free of anything but the
standard library and numpy: it runs inside the sandbox too.
"""
from __future__ import annotations

import io
import json
import math
import struct

import numpy as np

MAGIC = b"AF1"
HEADER_LIMIT = 1 << 20          # bytes of JSON in one message
BLOB_LIMIT = 64 << 20           # bytes of one array
FRAME_LIMIT = 96 << 20          # bytes of one whole message
BLOBS_LIMIT = 4096              # arrays in one message
DEPTH_LIMIT = 32                # nesting of tagged values
ARRAY_DTYPES = frozenset("bool int8 uint8 int16 uint16 int32 uint32 int64 uint64 float16 float32 float64".split())


class WireError(Exception):
    """A message that breaks the format: too large, malformed, or with a field nobody asked for."""


# ---------------------------------------------------------------- frames

def pack(header: dict, blobs: list[bytes]) -> bytes:
    head = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    if len(head) > HEADER_LIMIT:
        raise WireError(f"message header of {len(head)} bytes is over the {HEADER_LIMIT} byte limit")
    parts = [MAGIC, struct.pack(">I", len(head)), head, struct.pack(">H", len(blobs))]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    return b"".join(parts)


class FrameReader:
    """Accumulates bytes and yields whole frames; every length is checked before anything is kept.

    Linear: each byte is copied once into the current frame's buffer, whose size is
    known (and capped) before it is allocated.
    """

    def __init__(self, frame_limit: int = FRAME_LIMIT):
        self.frame_limit = frame_limit
        self._buf = bytearray()
        self._need = None       # bytes still missing for the current piece
        self._state = "magic"
        self._header = None
        self._blobs = []
        self._nblobs = 0
        self._total = 0

    def _take(self, n: int) -> bytes | None:
        if len(self._buf) < n:
            return None
        piece = bytes(self._buf[:n])
        del self._buf[:n]
        return piece

    def feed(self, data: bytes) -> list[tuple[dict, list[bytes]]]:
        self._buf += data
        frames = []
        while True:
            frame = self._step()
            if frame is None:
                return frames
            frames.append(frame)

    def _count(self, n: int):
        self._total += n
        if self._total > self.frame_limit:
            raise WireError(f"a message is over the {self.frame_limit} byte limit")

    def _step(self):
        while True:
            if self._state == "magic":
                piece = self._take(len(MAGIC) + 4)
                if piece is None:
                    return None
                if piece[:3] != MAGIC:
                    raise WireError("a message does not start with the protocol's marker")
                self._need = struct.unpack(">I", piece[3:])[0]
                if self._need > HEADER_LIMIT:
                    raise WireError(f"a message header of {self._need} bytes is over the {HEADER_LIMIT} byte limit")
                self._total = 0
                self._count(self._need)
                self._state = "header"
            elif self._state == "header":
                piece = self._take(self._need + 2)
                if piece is None:
                    return None
                self._header = _parse_json(piece[:-2])
                self._nblobs = struct.unpack(">H", piece[-2:])[0]
                if self._nblobs > BLOBS_LIMIT:
                    raise WireError(f"a message carries {self._nblobs} arrays, over the {BLOBS_LIMIT} limit")
                self._blobs = []
                self._state = "blob-length" if self._nblobs else "done"
            elif self._state == "blob-length":
                piece = self._take(8)
                if piece is None:
                    return None
                self._need = struct.unpack(">Q", piece)[0]
                if self._need > BLOB_LIMIT:
                    raise WireError(f"an array of {self._need} bytes is over the {BLOB_LIMIT} byte limit")
                self._count(self._need)
                self._state = "blob"
            elif self._state == "blob":
                piece = self._take(self._need)
                if piece is None:
                    return None
                self._blobs.append(piece)
                self._state = "blob-length" if len(self._blobs) < self._nblobs else "done"
            if self._state == "done":
                frame = (self._header, self._blobs)
                self._state, self._header, self._blobs = "magic", None, []
                return frame


def _no_constant(name):
    raise WireError(f"JSON constant {name} is not allowed (non-finite floats are tagged)")


def _parse_json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:   # JSON, UTF-8, and int("5000 digits") errors are ValueErrors
        raise WireError(f"a message header is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise WireError("a message header is not a JSON object")
    return value


# ---------------------------------------------------------------- arrays

def array_to_bytes(a: np.ndarray) -> bytes:
    a = np.asarray(a)
    if a.dtype.name not in ARRAY_DTYPES:
        raise WireError(f"arrays of dtype {a.dtype} do not cross the boundary")
    out = io.BytesIO()
    np.save(out, a if a.flags.c_contiguous else a.copy(order="C"), allow_pickle=False)
    return out.getvalue()


def array_from_bytes(blob: bytes) -> np.ndarray:
    try:
        a = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any malformed .npy is a wire error
        raise WireError(f"an array is not a valid .npy: {type(exc).__name__}: {exc}") from None
    if type(a) is not np.ndarray or a.dtype.name not in ARRAY_DTYPES:
        raise WireError(f"an array of dtype {getattr(a, 'dtype', '?')} is not allowed")
    return a


# ---------------------------------------------------------------- values

_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def float_to_json(x: float):
    if math.isfinite(x):
        return x
    return {"$f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def tag_of(value: dict) -> str | None:
    keys = [k for k in value if k.startswith("$")]
    if not keys:
        return None
    if len(keys) != 1:
        raise WireError(f"a value carries more than one tag: {sorted(keys)}")
    return keys[0]


def decode_plain(value, blobs: list[bytes], special, depth: int = 0):
    """Turns a tagged JSON value into Python; ``special(tag, value)`` handles side-specific tags."""
    if depth > DEPTH_LIMIT:
        raise WireError("values nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode_plain(v, blobs, special, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise WireError(f"unexpected JSON value of type {type(value).__name__}")
    tag = tag_of(value)
    if tag is None:
        raise WireError("an untagged JSON object (dictionaries travel as {'$dict': ...})")
    body = value[tag]
    if tag == "$f":
        _fields(value, {"$f"})
        if body not in _FLOATS:
            raise WireError(f"unknown float {body!r}")
        return _FLOATS[body]
    if tag in ("$a", "$np"):
        _fields(value, {tag})
        a = array_from_bytes(_blob(blobs, body))
        if tag == "$np":
            if a.ndim != 0:
                raise WireError("a numpy scalar that is not 0-d")
            return a[()]
        return a
    if tag == "$tuple":
        _fields(value, {"$tuple"})
        if not isinstance(body, list):
            raise WireError("$tuple needs a list")
        return tuple(decode_plain(v, blobs, special, depth + 1) for v in body)
    if tag == "$dict":
        _fields(value, {"$dict"})
        if not isinstance(body, dict):
            raise WireError("$dict needs an object")
        return {str(k): decode_plain(v, blobs, special, depth + 1) for k, v in body.items()}
    return special(tag, value, depth)


def _blob(blobs: list[bytes], index) -> bytes:
    if type(index) is not int or not 0 <= index < len(blobs):
        raise WireError(f"a value names array {index!r}, which the message does not carry")
    return blobs[index]


def _fields(value: dict, allowed: set):
    extra = set(value) - allowed
    if extra:
        raise WireError(f"unknown fields {sorted(extra)} in {sorted(allowed)}")


def require_fields(message: dict, required: set, optional: set = frozenset()) -> dict:
    """The message has every required field and nothing unknown."""
    missing = required - set(message)
    if missing:
        raise WireError(f"a message lacks {sorted(missing)}")
    _fields(message, required | set(optional))
    return message


def encode_plain(value, blobs: list[bytes], special, depth: int = 0):
    """Python to tagged JSON; ``special(value, depth)`` encodes what is not plain data (or raises)."""
    if depth > DEPTH_LIMIT:
        raise WireError("values nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return float_to_json(value)
    if type(value) is np.ndarray and value.dtype.name in ARRAY_DTYPES:
        blobs.append(array_to_bytes(value))
        return {"$a": len(blobs) - 1}
    if isinstance(value, np.generic) and value.dtype.name in ARRAY_DTYPES:
        blobs.append(array_to_bytes(np.asarray(value)))
        return {"$np": len(blobs) - 1}
    if type(value) is list:
        return [encode_plain(v, blobs, special, depth + 1) for v in value]
    if type(value) is tuple:
        return {"$tuple": [encode_plain(v, blobs, special, depth + 1) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"$dict": {k: encode_plain(v, blobs, special, depth + 1) for k, v in value.items()}}
    return special(value, depth)
