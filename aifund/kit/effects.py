"""Identity checked by its effect: values are written into what ``.parameters()`` returns, and a gradient step
is taken on it, inside the implementation's process; the kit then reads the model's output and attributes back.
It never compares handle numbers: the worker numbers its own objects, and an implementation can make it lie."""
from __future__ import annotations

import numpy as np
from aifund.remote import Tensor, current

from aifund.kit.check import assert_close, fail, require, tensor_result
from aifund.kit.tolerance import forward_bound

STEP_LR = 0.1


def assign_returned(obj, method: str, values: list[np.ndarray]):
    """``for p, v in zip(obj.method(), values): p.assign(v)``, run in the implementation's process."""
    current().send("assign_returned", f"writing into what .{method}() returned", obj=obj, name=method,
                   values=list(values))


def step_returned(obj, method: str, lr: float) -> list:
    """``for p in obj.method(): p.assign(p - lr * p.grad)`` in the implementation's process (a plain SGD step,
    tinygrad's own); returns the worker's word on which of them had a gradient (used for messages only)."""
    had = current().send("step_returned", f"stepping what .{method}() returned", obj=obj, name=method, lr=float(lr))
    return had if isinstance(had, list) else []


def parameters_read_back(model, what: str, shapes: list[tuple]) -> list[np.ndarray]:
    """model.parameters(): a list of float32 Tensors of these shapes, in this order (values read back)."""
    __tracebackhide__ = True
    params = model.parameters()
    require(isinstance(params, list) and len(params) == len(shapes),
            f"{what}.parameters() returned {params!r}, expected a list of {len(shapes)} Tensors")
    return [tensor_result(p, what=f"{what}.parameters()[{i}]", shape=s, dtype=np.float32)
            for i, (p, s) in enumerate(zip(params, shapes))]


def require_written(model, what: str, names: list[str], values: list[np.ndarray], through: str = "", first: int = 0):
    """After assign_returned on ``through`` (default: what's own parameters()): each attribute, read through
    its own reference, holds what was written into element ``first + i``."""
    __tracebackhide__ = True
    through = through or f"{what}.parameters()"
    for i, (name, value) in enumerate(zip(names, values)):
        got = tensor_result(getattr(model, name), what=f"{what}.{name}", shape=value.shape, dtype=np.float32)
        require(np.array_equal(got, value),
                f"writing into {through}[{first + i}] (p.assign(v)) did not change {what}.{name}: parameters() "
                f"must return the layers' own Tensors, in order, not copies")


def check_layer_is_live(model, what: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, relu: bool, rng):
    """For a layer out = act(x @ w + b) holding w, b: writes w, b through model.parameters(), checks its output,
    backpropagates sum(c * out), steps what parameters() returns and checks that the output moved as that
    step predicts. Inputs are positive and c negative, so a ReLU never switches during the check."""
    __tracebackhide__ = True
    assign_returned(model, "parameters", [w, b])
    require_written(model, what, ["w", "b"], [w, b])
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    c = -rng.uniform(0.5, 1.0, (x.shape[0], w.shape[1]))
    call = f"{what}(x)  # after p.assign(v) on each p of {what}.parameters()"
    inputs = {"x": x, "w": w, "b": b}
    out = model(Tensor(x))
    got = tensor_result(out, what=f"{what}(x)", shape=c.shape, dtype=np.float32, inputs=inputs, call=call)
    z = x64 @ w64 + b64
    expected = np.maximum(z, 0) if relu else z
    assert_close(got, expected, forward_bound(np.float32, np.abs(x64) @ np.abs(w64) + np.abs(b64), n_terms=x.shape[1] + 1),
                 what=f"{what}(x) after writing w and b through parameters()", against="x @ w + b in float64",
                 policy="float32 sum of products", inputs=inputs, call=call)
    (out * Tensor(c.astype(np.float32))).sum().backward()
    had = step_returned(model, "parameters", STEP_LR)
    gz = c * (z > 0) if relu else c
    w2, b2 = w64 - STEP_LR * (x64.T @ gz), b64 - STEP_LR * gz.sum(0)
    z2 = x64 @ w2 + b2
    scale = np.abs(x64) @ (np.abs(w64) + STEP_LR * np.abs(x64).T @ np.abs(c)) + np.abs(b64) + STEP_LR * np.abs(c).sum(0)
    bound = forward_bound(np.float32, scale, n_terms=x.shape[0] + x.shape[1] + 3)
    step_call = (f"{what}(x)  # after (out * c).sum().backward() and p.assign(p - {STEP_LR} * p.grad) "
                 f"for each p of {what}.parameters()")
    after = tensor_result(model(Tensor(x)), what=f"{what}(x) after the step", shape=c.shape, dtype=np.float32,
                          inputs=inputs, call=step_call)
    if np.all(np.abs(after - got) <= bound):
        missing = [i for i, h in enumerate(had) if h is False]
        fail(f"an SGD step on the Tensors {what}.parameters() returned did not change {what}(x): they are not the "
             f"Tensors the layer computes with (copies, or .detach()ed), so an optimizer given them cannot train it",
             [f"the implementation's process reports no .grad on parameters() {missing} after backward()"] if missing
             else [], inputs=dict(inputs, c=c), call=step_call)
    assert_close(after, z2 if not relu else np.maximum(z2, 0), bound,
                 what=f"{what}(x) after one SGD step on {what}.parameters()",
                 against="x @ (w - lr dL/dw) + (b - lr dL/db) in float64", policy="float32, one step",
                 inputs=dict(inputs, c=c), call=step_call)
