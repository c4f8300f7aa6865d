"""Post-training INT8 quantisation of the MLP and SimpleCNN, run in numpy.

- Weights: int8, symmetric, one scale per output channel (``quantize(w, axis=...)``).
- Activations: int8, asymmetric, one scale and zero point per layer input,
  calibrated on the range [min, max] seen on training samples; at inference
  values outside that range saturate (clamp) to the end codes.
- Products: (x_q - zp_x) @ w_q summed exactly as int32 would (the integer
  sums are below 2^31 and the float64 arithmetic used is exact below 2^53:
  3136 * 255 * 127 < 1.1e8), then rescaled by scale_x * scale_w, plus a float32 bias.
- ReLU and max pooling commute with that rescaling, so they run on the result.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from aifund.edge import plan
from aifund.edge.numpy_infer import im2col, max_pool2
from aifund.reference.quantize import quantize

QMIN, QMAX = -128, 127


def quantize_with(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Codes for x on a fixed (calibrated) grid; values beyond the grid saturate."""
    return np.clip(np.round(x / scale) + zero_point, QMIN, QMAX).astype(np.int8)


def int_matmul(xq: np.ndarray, x_zp: int, wq: np.ndarray) -> np.ndarray:
    """sum_k (xq - x_zp)[.., k] * wq[k, j], exactly as an int32 accumulator would give it."""
    return (xq.astype(np.float64) - x_zp) @ wq.astype(np.float64)


@dataclass
class QLayer:
    kind: str             # "dense" (w: in, out) or "conv" (w: C_out, C_in*k*k after reshape)
    wq: np.ndarray        # int8, (K, out)
    w_scale: np.ndarray   # float32, (out,)
    bias: np.ndarray      # float32, (out,)
    x_scale: float = 1.0
    x_zp: int = 0
    k: int = 0            # conv kernel size

    def calibrate(self, x: np.ndarray) -> None:
        _, scale, zp = quantize(x, symmetric=False)
        self.x_scale, self.x_zp = float(scale), int(zp)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        xq = quantize_with(x, self.x_scale, self.x_zp)
        if self.kind == "conv":
            cols = _pad_with_zero_point(xq, self.k, self.x_zp)     # N, H, W, C*k*k int8 codes
            acc = int_matmul(cols, self.x_zp, self.wq)              # N, H, W, C_out
            return (acc * (self.x_scale * self.w_scale) + self.bias).astype(np.float32).transpose(0, 3, 1, 2)
        acc = int_matmul(xq, self.x_zp, self.wq)
        return (acc * (self.x_scale * self.w_scale) + self.bias).astype(np.float32)


def _pad_with_zero_point(xq: np.ndarray, k: int, zp: int) -> np.ndarray:
    """im2col where the padding holds the code of 0.0 (the zero point), so padded zeros stay zeros."""
    p = plan.PADDING
    padded = np.pad(xq, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=zp)
    return im2col(padded, k, 0)


def dense(w: np.ndarray, b: np.ndarray) -> QLayer:
    wq, scale, _ = quantize(w, axis=1)                  # one scale per output unit (column)
    return QLayer("dense", wq, scale.reshape(-1), b.astype(np.float32))


def conv(w: np.ndarray, b: np.ndarray) -> QLayer:
    wq, scale, _ = quantize(w, axis=0)                  # one scale per output channel
    c_out = w.shape[0]
    return QLayer("conv", wq.reshape(c_out, -1).T.copy(), scale.reshape(-1), b.astype(np.float32), k=w.shape[-1])


class QuantizedModel:
    """The model's steps (aifund/edge/plan.py) with every conv and dense layer in INT8."""

    def __init__(self, kind: str, arrays: list[np.ndarray]):
        self.kind = kind
        self.steps = plan.steps(kind, len(arrays))
        make = {"conv": conv, "dense": dense}
        self.layers = [make[op](arrays[w[0]], arrays[w[0] + 1]) for op, *w in self.steps if op in make]

    def _run(self, x: np.ndarray, calibrating: bool) -> np.ndarray:
        layers = iter(self.layers)
        for op, *_ in self.steps:
            if op in ("conv", "dense"):
                layer = next(layers)
                if calibrating:
                    layer.calibrate(x)
                x = layer(x)
            elif op == "relu":
                x = np.maximum(x, 0)
            elif op == "pool":
                x = max_pool2(x)
            elif op == "flatten":
                x = x.reshape(len(x), -1)
        return x

    def calibrate(self, x: np.ndarray) -> "QuantizedModel":
        self._run(x, calibrating=True)
        return self

    def logits(self, x: np.ndarray, batch: int = 500) -> np.ndarray:
        return np.concatenate([self._run(x[i:i + batch], False) for i in range(0, len(x), batch)])

    def to_bytes(self) -> bytes:
        """The deployable file: int8 weights, float32 scales and biases, activation grids (.npz)."""
        arrays = {}
        for i, l in enumerate(self.layers):
            arrays.update({f"l{i}_wq": l.wq, f"l{i}_wscale": l.w_scale, f"l{i}_bias": l.bias,
                           f"l{i}_x": np.array([l.x_scale, l.x_zp], np.float32)})
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()
