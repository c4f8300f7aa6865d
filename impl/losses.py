"""Section 8 of the guide: losses. Each returns a 0-d Tensor."""
from tinygrad import Tensor, dtypes

# Probabilities are clipped into [EPS, 1 - EPS] before the logarithm so that
# p = 0 or p = 1 gives a large finite loss instead of inf or NaN. The value
# must survive float32: 1 - 1e-7 is still below 1.0 there, 1 - 1e-8 is not.
EPS_FLOAT32 = 1e-7
EPS_FLOAT64 = 1e-15


def _eps(t: Tensor) -> float:
    return EPS_FLOAT64 if t.dtype == dtypes.float64 else EPS_FLOAT32


def mse(y_pred: Tensor, y_true: Tensor) -> Tensor:
    return ((y_true - y_pred) ** 2).mean()


def binary_cross_entropy(p: Tensor, y: Tensor) -> Tensor:
    eps = _eps(p)
    p = p.clip(eps, 1 - eps)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def categorical_cross_entropy(p: Tensor, y_onehot: Tensor) -> Tensor:
    # -(1/N) sum_i sum_k y_ik log p_ik: summed over classes, averaged over samples.
    eps = _eps(p)
    return -(y_onehot * p.clip(eps, 1).log()).sum(axis=-1).mean()
