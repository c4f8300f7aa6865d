"""Gradient checks the tinygrad way: build a scalar, call .backward(), read .grad.

Two oracles: PyTorch autograd on the same float64 inputs, and central finite
differences of the implementation's own forward pass along one random
direction per input (the identity <grad, t> = dF/dh (x + h t), as JAX's
check_grads does: two forward calls per input, whatever its size).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from aifund.remote import Tensor, current, tensor_claims

from aifund.kit.check import assert_close, fail, require, tensor_result
from aifund.kit.tolerance import FD_STEP, GRAD_RTOL, finite_difference_bound, gradient_bound, term_magnitude

GRAD_POLICY = f"float64 gradient, {GRAD_RTOL:g} x (|ref| + max|ref|)"


def realize_together(tensors: list):
    """Realizes the worker's Tensors among ``tensors`` in one schedule (tinygrad's own Tensor.realize):
    reading gradients one by one would schedule and compute the forward and backward graph they share
    once per gradient. What is read afterwards, and how it is checked, is unchanged."""
    claimed = [t for t in tensors if tensor_claims(t) is not None]
    if len(claimed) > 1:
        current().realize(claimed)


def _forward(build, arrays: dict, out_shape, what, call) -> np.ndarray:
    out = build(*(Tensor(v) for v in arrays.values()))
    return tensor_result(out, what=what, shape=out_shape, dtype=np.float64, inputs=arrays, call=call)


def check_gradients(build: Callable, torch_build: Callable, inputs: dict, *, what: str, call: str,
                    seed: int = 0, wrt: tuple | None = None, finite_differences: bool = True):
    """Checks d sum(c * build(*inputs)) / d input for every input named in ``wrt`` (default: all).

    ``build`` and ``torch_build`` take the inputs positionally, in the order of ``inputs``."""
    __tracebackhide__ = True
    inputs = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    wrt = tuple(wrt or inputs)
    rng = np.random.default_rng(seed)

    # PyTorch first: it gives the expected output shape and the expected gradients.
    leaves = {k: torch.tensor(v, requires_grad=k in wrt) for k, v in inputs.items()}
    t_out = torch_build(*leaves.values())
    out_shape = tuple(t_out.shape)
    c = rng.uniform(-1.0, 1.0, size=out_shape)
    (t_out * torch.from_numpy(c)).sum().backward()

    tensors = {k: Tensor(v) for k, v in inputs.items()}
    out = build(*tensors.values())
    out_np = tensor_result(out, what=what, shape=out_shape, dtype=np.float64, inputs=inputs, call=call)
    (out * Tensor(c)).sum().backward()

    # The reproduction runs the backward pass too, with the same upstream gradient c.
    shown = dict(inputs, c=c)
    handles = {}
    for k in wrt:
        after = ["(out * c).sum().backward()  # c: the upstream gradient, the weights of sum(c * out)",
                 f"print({k}.grad.numpy())"]
        handles[k] = g = tensors[k].grad
        require(g is not None,
                f"no gradient reached input {k} after (out * c).sum().backward(): the computation of {what} is cut "
                f"from the graph (a .numpy() round trip, a new Tensor built from values, or .detach())",
                inputs=shown, call=call, after=after)
    realize_together(list(handles.values()))
    grads = {}
    for k in wrt:
        after = ["(out * c).sum().backward()  # c: the upstream gradient, the weights of sum(c * out)",
                 f"print({k}.grad.numpy())"]
        g = handles[k]
        grads[k] = tensor_result(g, what=f"{k}.grad", shape=inputs[k].shape, dtype=np.float64,
                                 inputs=shown, call=call)
        expected = leaves[k].grad.numpy()
        assert_close(grads[k], expected, gradient_bound(expected, magnitude=term_magnitude(*inputs.values(), c)),
                     what=f"the gradient of {what} w.r.t. {k} (upstream gradient c shown below)",
                     against="PyTorch autograd (float64)", policy=GRAD_POLICY, inputs=shown, call=call, after=after)

    if not finite_differences:
        return
    f_magnitude = float(np.abs(c * out_np).sum())
    for k in wrt:
        t = rng.uniform(-1.0, 1.0, size=inputs[k].shape)
        h = FD_STEP * max(1.0, float(np.abs(inputs[k]).max(initial=0.0)))
        values, magnitude = [], f_magnitude
        for sign in (1.0, -1.0):
            shifted = dict(inputs, **{k: inputs[k] + sign * h * t})
            out_shifted = _forward(build, shifted, out_shape, what, call)
            values.append(float((c * out_shifted).sum()))
            # the rounding of F(x ± h t) is set by the largest of the three evaluations, not only F(x)
            magnitude = max(magnitude, float(np.abs(c * out_shifted).sum()))
        fd = (values[0] - values[1]) / (2 * h)
        analytic = float((grads[k] * t).sum())
        bound = finite_difference_bound(analytic, float(np.abs(grads[k] * t).sum()), magnitude, h)
        if not abs(fd - analytic) <= bound:
            fail(f"the gradient of {what} w.r.t. {k} disagrees with finite differences of its own forward pass",
                 [f"along a random direction t: <{k}.grad, t> = {analytic:.9g}, "
                  f"central difference (h = {h:.1e}) = {fd:.9g}",
                  f"abs error {abs(fd - analytic):.3g}, allowed {bound:.3g}"], inputs, call)
