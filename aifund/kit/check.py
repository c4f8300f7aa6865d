"""Assertions with messages a student can act on.

Every failure names the spec item and the guide's section, shows the input
(shape and a few values), the expected and actual values at the worst element
with its absolute and relative error against the allowed error, and ends with
a snippet that reproduces the call.
"""
from __future__ import annotations

import base64
import pathlib

import numpy as np

from aifund import frameworks
from aifund.remote import tensor_claims, type_claim
from aifund.kit.context import CURRENT


class ConformanceFailure(AssertionError):
    """The implementation returned something the spec does not allow."""


def _header(problem: str) -> str:
    ids = ", ".join(CURRENT.item_ids) or "?"
    return f"[{ids}] (guide section {CURRENT.section or '?'}) {problem}"


def _preview(a: np.ndarray, n: int = 6) -> str:
    flat = np.asarray(a).ravel()
    vals = ", ".join(f"{v:.7g}" for v in flat[:n]) + (", ..." if flat.size > n else "")
    return f"{a.dtype} shape {tuple(a.shape)}: [{vals}]"


def import_line() -> str:
    """How a person imports the implementation under test on their own machine."""
    path = pathlib.PurePath(CURRENT.impl_path or "impl")
    if str(path) == "impl":
        return "import impl  # run from the kit's root folder"
    name = path.stem if path.suffix == ".py" else path.name
    return f"import {name} as impl  # run from the folder that holds {path.name}"


EXACT_BYTES_VALUES = 1024     # inputs up to this many values are pasted exactly (as bytes) into a reproduction


def reproduction(inputs: dict, call: str, after: list[str] | None = None) -> str:
    """Python lines that rebuild the inputs and repeat the call against the same module."""
    framework = frameworks.get(CURRENT.framework)
    lines = ["import numpy as np", *framework.reproduction, import_line()]
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            if value.size <= 64:
                literal = np.array2string(value, separator=", ", precision=9, threshold=100, max_line_width=10_000)
                lines.append(f"{name} = Tensor(np.array({literal}, dtype=np.{value.dtype}))")
            elif value.size <= EXACT_BYTES_VALUES:
                # the exact values, bit for bit, as their bytes: too many to read, few enough to paste
                data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")
                if "import base64" not in lines:
                    lines.insert(1, "import base64")
                lines.append(f"{name} = Tensor(np.frombuffer(base64.b64decode('{data}'), dtype=np.{value.dtype})"
                             f".reshape({value.shape}).copy())  # the failing input, exactly")
            else:
                lines.append(f"{name} = Tensor(np.random.default_rng(0).standard_normal({value.shape})"
                             f".astype(np.{value.dtype}))  # a STAND-IN of the same shape: the failing input has "
                             f"{value.size} values, too many to paste")
        else:
            lines.append(f"{name} = {value!r}")
    lines.append(f"out = {call}")
    lines.extend(after if after is not None else [framework.print_out])
    return "\n".join("    " + line for line in lines)


def fail(problem: str, details: list[str] = (), inputs: dict | None = None, call: str | None = None,
         after: list[str] | None = None):
    __tracebackhide__ = True
    text = [_header(problem)] + ["  " + d for d in details]
    if inputs is not None:
        text += [f"  input {k}: {_preview(v) if isinstance(v, np.ndarray) else repr(v)}" for k, v in inputs.items()]
    if call is not None and inputs is not None:
        text += ["  reproduce:", reproduction(inputs, call, after)]
    raise ConformanceFailure("\n".join(text))


def tensor_result(out, *, what: str, shape: tuple, dtype, inputs=None, call=None) -> np.ndarray:
    """Checks that ``out`` is a Tensor of the run's framework, of this shape and dtype, then reads its values.

    Type, shape and dtype are first the worker's claims; the values read back are
    checked again here, as arrays, so a claim that does not match them fails too."""
    __tracebackhide__ = True
    claims = tensor_claims(out)
    if claims is None:
        fail(f"{what} returned {type_claim(out)}, expected {frameworks.get(CURRENT.framework).tensor_words}",
             inputs=inputs, call=call)
    claimed_shape, claimed_dtype = claims
    if claimed_shape is None or tuple(claimed_shape) != tuple(shape):
        fail(f"{what} returned shape {claimed_shape}, expected {tuple(shape)}", inputs=inputs, call=call)
    want = np.dtype(dtype).name
    if claimed_dtype != want:
        fail(f"{what} returned dtype {claimed_dtype}, expected {want} (the dtype of its input)", inputs=inputs, call=call)
    got = out.numpy()
    if type(got) is not np.ndarray or got.shape != tuple(shape) or got.dtype.name != want:
        fail(f"{what}.numpy() did not give a {want} array of shape {tuple(shape)}", inputs=inputs, call=call)
    return got


def assert_close(got, want, bound, *, what: str, against: str, policy: str, inputs=None, call=None, after=None):
    """|got - want| <= bound elementwise; NaN or inf where the oracle is finite always fails."""
    __tracebackhide__ = True
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    bound = np.broadcast_to(np.asarray(bound, dtype=np.float64), want.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got - want)
        bad = ~(err <= bound) | (np.isfinite(want) & ~np.isfinite(got))
    if not bad.any():
        return
    excess = np.where(bad, np.nan_to_num(err / np.maximum(bound, 1e-300), nan=np.inf, posinf=np.inf), -1.0)
    idx = np.unravel_index(int(np.argmax(excess)), want.shape) if want.ndim else ()
    g, w, e, b = got[idx], want[idx], err[idx], bound[idx]
    rel = e / abs(w) if w != 0 else float("inf")
    kind = "NaN" if np.isnan(g) else ("inf" if np.isinf(g) else None)
    problem = f"{what} differs from {against}" + (f": got {kind}" if kind else "")
    where = f" at index {tuple(int(i) for i in idx)}" if want.ndim else ""
    details = [
        f"worst element{where}: expected {w:.9g}, got {g:.9g}",
        f"abs error {e:.3g}, rel error {rel:.3g}, allowed abs error {b:.3g} ({policy})",
        f"{int(bad.sum())} of {bad.size} elements outside the tolerance",
    ]
    fail(problem, details, inputs, call, after)


def require(condition: bool, problem: str, details: list[str] = (), inputs=None, call=None, after=None):
    __tracebackhide__ = True
    if not condition:
        fail(problem, list(details), inputs, call, after)
