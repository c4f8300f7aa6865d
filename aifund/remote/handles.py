"""Handles to objects that live in the worker, and the claims the kit reads from them.

A handle only forwards requests through its session; this module never imports the implementation
and never decides whether a claim is right (the checks compare claims with the spec).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aifund.remote.session import Session

from aifund import frameworks

TENSOR_TYPE = "tinygrad.tensor.Tensor"


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
    """(shape, dtype) the worker claims for a Tensor handle of the session's framework, else None."""
    if isinstance(value, Remote) and value._type in frameworks.get(
            getattr(value._session, "framework", None)).tensor_types:
        return value._shape, value._dtype
    return None


def is_instance(value, cls: ModuleName) -> bool:
    """The worker's claim that ``value`` is an instance of the implementation's class ``cls``."""
    if not isinstance(value, Remote):
        return False
    session = value._session
    result = session.send("isinstance", "checking a type", obj=value, cls=cls)
    return result is True

