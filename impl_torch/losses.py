"""Section 8 of the guide: losses on torch.Tensors. Each returns a 0-d Tensor of its input's dtype."""
import torch

# Probabilities are clipped into [EPS, 1 - EPS] before the logarithm, so p = 0 or 1 gives a large finite loss;
# 1 - 1e-7 is still below 1.0 in float32, 1 - 1e-8 is not.
EPS_FLOAT32 = 1e-7
EPS_FLOAT64 = 1e-15


def _eps(t: torch.Tensor) -> float:
    return EPS_FLOAT64 if t.dtype == torch.float64 else EPS_FLOAT32


def mse(y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    return ((y_true - y_pred) ** 2).mean()


def binary_cross_entropy(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    eps = _eps(p)
    p = torch.clamp(p, eps, 1 - eps)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def categorical_cross_entropy(p: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
    # summed over the classes, averaged over the samples
    return -(y_onehot * torch.log(torch.clamp(p, min=_eps(p)))).sum(dim=-1).mean()
