"""Project 6, step 2: a model's torch.Tensor parameters to and from a ``.npz`` file.

The arrays are stored in ``parameters()`` order under the names ``p0``,
``p1``, ...; loading checks every array before touching the model, so a bad
file leaves the model as it was.
"""
from __future__ import annotations

import os
import pathlib
import zipfile

import numpy as np
import torch


class WeightsError(ValueError):
    """A weights file that does not fit the model (the message says what differs)."""


def save_weights(model, path: str | os.PathLike) -> None:
    arrays = {f"p{i}": p.detach().cpu().numpy() for i, p in enumerate(model.parameters())}
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:          # np.savez on a file object: no ".npz" appended to the name
        np.savez(f, **arrays)
    os.replace(tmp, path)


def read_weights(path: str | os.PathLike) -> list[np.ndarray]:
    """The arrays of a weights file, in parameter order (no pickled objects are ever loaded)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            names = sorted(data.files, key=lambda n: int(n[1:]) if n[1:].isdigit() else -1)
            if [f"p{i}" for i in range(len(names))] != names:
                raise WeightsError(f"{path}: expected arrays p0, p1, ... in a save_weights file, found {data.files}")
            return [data[n] for n in names]
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, WeightsError):
            raise
        raise WeightsError(f"{path}: not a readable .npz weights file ({exc})") from exc


def load_weights(model, path: str | os.PathLike) -> None:
    arrays = read_weights(path)
    params = model.parameters()
    if len(arrays) != len(params):
        raise WeightsError(f"{path}: holds {len(arrays)} arrays, the model has {len(params)} parameters")
    for i, (a, p) in enumerate(zip(arrays, params)):
        if a.shape != tuple(p.shape) or a.dtype != _numpy_dtype(p):
            raise WeightsError(f"{path}: array p{i} is {a.dtype} {a.shape}, "
                               f"the model's parameter {i} is {_numpy_dtype(p)} {tuple(p.shape)}")
    with torch.no_grad():
        for a, p in zip(arrays, params):
            p.copy_(torch.from_numpy(a))


def _numpy_dtype(p) -> np.dtype:
    return np.dtype(str(p.dtype).removeprefix("torch."))
