"""Reading MNIST's IDX files (gzip-compressed or raw), with checksum verification.

IDX layout: two zero bytes, a type code (0x08 = unsigned byte), the number of
dimensions, then one big-endian uint32 per dimension, then the data. Checksums
are taken over the decompressed bytes, because the same content circulates in
differently compressed .gz files.
"""
from __future__ import annotations

import gzip
import hashlib
import pathlib
import zlib

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
           0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IDXError(ValueError):
    """A data file that is missing, damaged or not what was expected. The message names the file."""


def raw_bytes(path: str | pathlib.Path) -> bytes:
    """The decompressed content of an IDX file (``.gz`` is recognised by its magic bytes, not its name)."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise IDXError(f"{path}: file not found")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise IDXError(f"{path}: damaged gzip data ({exc}); delete the file and fetch it again") from exc
    return data


def parse(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """An IDX byte string as a numpy array of the shape its header gives."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise IDXError(f"{name}: not an IDX file (magic bytes {data[:4].hex() or 'none'}; expected 0000 followed by "
                       f"a type code in {sorted(hex(k) for k in _DTYPES)} and the number of dimensions)")
    dtype, ndim = np.dtype(_DTYPES[data[2]]), data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{name}: truncated header ({len(data)} bytes, the {ndim} dimensions need {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise IDXError(f"{name}: the header promises shape {shape} ({expected} bytes in all) "
                       f"but the file holds {len(data)} bytes")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def verify(data: bytes, checksums: dict[str, str], name: str) -> None:
    """Refuse ``data`` unless every given checksum ({"md5": hex, "sha256": hex}) matches."""
    for algorithm, expected in checksums.items():
        digest = hashlib.new(algorithm, data).hexdigest()
        if digest != expected.lower():
            raise IDXError(f"{name}: checksum mismatch: the decompressed content has {algorithm.upper()} {digest}, "
                           f"expected {expected}; the file is damaged or is a different file")


def read_idx(path: str | pathlib.Path, checksums: dict[str, str] | None = None) -> np.ndarray:
    """Read an IDX file; with ``checksums`` given, refuse content whose checksum differs."""
    data = raw_bytes(path)
    verify(data, checksums or {}, str(path))
    return parse(data, str(path))
