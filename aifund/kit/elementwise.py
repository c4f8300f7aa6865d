"""The one helper behind every activation test: values and gradients of an
elementwise function against the float64 formula, PyTorch and finite differences."""
import numpy as np
import torch
from aifund.remote import Tensor

from aifund.kit.check import assert_close, tensor_result
from aifund.kit.gradients import check_gradients
from aifund.kit.oracles import ELEMENTWISE
from aifund.kit.tolerance import SAFETY, forward_bound

FORWARD_POLICY = f"float32, {SAFETY} ulp x (n_terms + 1) x scale"


def _call_text(name, kwargs):
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"impl.{name}(z{extra})"


def values(impl, name: str, z: np.ndarray, **kwargs) -> np.ndarray:
    """Checks impl.<name>(z) (float32) against the float64 formula and PyTorch; returns the output."""
    __tracebackhide__ = True
    oracle = ELEMENTWISE[name]
    call = _call_text(name, kwargs)
    inputs = {"z": z}
    out = getattr(impl, name)(Tensor(z), **kwargs)
    got = tensor_result(out, what=call.removeprefix("impl."), shape=z.shape, dtype=z.dtype, inputs=inputs, call=call)
    z64 = z.astype(np.float64)
    bound = forward_bound(z.dtype, oracle.scale(z64, **kwargs))
    assert_close(got, oracle.f(z64, **kwargs), bound, what=call.removeprefix("impl."), against="the float64 formula",
                 policy=FORWARD_POLICY, inputs=inputs, call=call)
    expected_torch = oracle.torch_f(torch.from_numpy(z64), **kwargs).numpy()
    assert_close(got, expected_torch, bound, what=call.removeprefix("impl."), against="PyTorch (float64)",
                 policy=FORWARD_POLICY, inputs=inputs, call=call)
    return got


def gradient(impl, name: str, z: np.ndarray, seed: int, **kwargs):
    """Checks the gradient through impl.<name> in float64 against autograd and finite differences."""
    __tracebackhide__ = True
    oracle = ELEMENTWISE[name]
    fn = getattr(impl, name)
    check_gradients(lambda z: fn(z, **kwargs), lambda z: oracle.torch_f(z, **kwargs), {"z": z},
                    what=_call_text(name, kwargs).removeprefix("impl."), call=_call_text(name, kwargs), seed=seed)


def single_derivative(impl, name: str, at: float, dtype=np.float64, **kwargs) -> float:
    """d impl.<name>(z) / dz at one point, read the tinygrad way."""
    z = Tensor(np.array([at], dtype=dtype))
    getattr(impl, name)(z, **kwargs).sum().backward()
    if z.grad is None:
        from aifund.kit.check import fail
        fail(f"no gradient reached z after {name}(z).sum().backward()", inputs={"z": np.array([at], dtype=dtype)},
             call=_call_text(name, kwargs))
    return float(tensor_result(z.grad, what="z.grad", shape=(1,), dtype=dtype)[0])
