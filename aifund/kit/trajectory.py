"""Runs an optimizer of the implementation for many steps on given gradients and
compares every step with a float64 transcription and with PyTorch."""
import numpy as np
import torch
from aifund.remote import Tensor, current

from aifund.kit.check import assert_close, fail, require, tensor_result
from aifund.kit.tolerance import gradient_bound

POLICY = "float64 trajectory, 1e-7 x (|ref| + max|ref|)"
# Steps after which parameters are read back (every read synchronises tinygrad).
CHECKPOINTS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)


def run(optimizer_cls, kwargs: dict, w0s: list, grads: list, dtype=np.float64) -> list[list[np.ndarray]]:
    """Feeds grads[t][i] to parameter i at step t; returns the parameters' values after each checkpoint step.

    The steps run in the implementation's process in one request (a round trip per step would
    dominate); the parameters come back as arrays, checked here for shape and dtype."""
    __tracebackhide__ = True
    n = len(grads)
    steps = checkpoint_steps(n)
    stacked = [np.stack([step[i] for step in grads]).astype(dtype) for i in range(len(w0s))]
    result = current().optimizer_run(optimizer_cls._name, kwargs, [w.astype(dtype) for w in w0s], stacked, steps)
    history = result.get("history") if isinstance(result, dict) else None
    require(isinstance(history, list) and len(history) == len(steps),
            f"the optimizer run did not report the parameters after steps {steps}")
    for step, values in zip(steps, history):
        for i, w in enumerate(w0s):
            v = values[i] if isinstance(values, list) and i < len(values) else None
            require(type(v) is np.ndarray and v.shape == w.shape and v.dtype == np.dtype(dtype),
                    f"parameter {i} after step {step} did not read back as a {np.dtype(dtype)} array of shape {w.shape}")
    return history


def torch_run(make_optimizer, w0s: list, grads: list, grad_scale: float = 1.0) -> list[list[np.ndarray]]:
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in w0s]
    opt = make_optimizer(params)
    history = []
    for t, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g * grad_scale, dtype=torch.float64)
        opt.step()
        if t + 1 in CHECKPOINTS or t + 1 == len(grads):
            history.append([p.detach().numpy().copy() for p in params])
    return history


def checkpoint_steps(n_steps: int) -> list[int]:
    return [s for s in CHECKPOINTS if s < n_steps] + [n_steps]


def compare(name: str, got: list, expected: list, against: str, w0s: list, call: str):
    """Every step, every parameter; the message names the first step that diverges."""
    __tracebackhide__ = True
    if all(np.array_equal(got[0][i], w0s[i]) for i in range(len(w0s))) and not all(
            np.array_equal(expected[0][i], w0s[i]) for i in range(len(w0s))):
        fail(f"{name}.step() did not change the Tensors it was given: it must update them in place "
             f"(p.assign(...)), not rebind new Tensors", inputs={f"w{i}": w for i, w in enumerate(w0s)}, call=call)
    steps = checkpoint_steps(len(got)) if len(got) > 1 else [1]
    for step, g_step, e_step in zip(steps, got, expected):
        for i, (g, e) in enumerate(zip(g_step, e_step)):
            scale = np.abs(e) + np.abs(w0s[i])
            assert_close(g, e, gradient_bound(scale), what=f"{name}: parameter {i} after step {step}",
                         against=against, policy=POLICY, inputs={f"w{i}": w for i, w in enumerate(w0s)}, call=call)


def zero_grad_clears(optimizer_cls, kwargs: dict, name: str):
    __tracebackhide__ = True
    params = [Tensor(np.ones((2, 3))), Tensor(np.ones(3))]
    opt = optimizer_cls(params, **kwargs)
    (params[0].sum() * 2 + (params[1] * params[1]).sum()).backward()
    require(all(p.grad is not None for p in params), "backward() gave no gradient to the parameters")
    opt.step()
    opt.zero_grad()
    for i, p in enumerate(params):
        if p.grad is not None:
            g = p.grad.numpy()
            require(bool((g == 0).all()), f"after {name}.zero_grad(), parameter {i}'s .grad is {g.ravel()[:4]}..., "
                                          "expected None or zeros")
