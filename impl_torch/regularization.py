"""Section 13 of the guide: dropout and batch normalisation on torch.Tensors."""
import torch


def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Training: zero each element with probability p, scale the survivors by 1/(1-p). Otherwise: x."""
    if not training or p == 0:
        return x
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    keep = torch.rand(x.shape) >= p
    return torch.where(keep, x * (1.0 / (1.0 - p)), torch.zeros_like(x))


def batch_norm(z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Normalise with the batch's own mean and biased variance, then scale by gamma and shift by beta.
    Statistics are over axis 0 for z (N, F) and over (0, 2, 3) for z (N, C, H, W)."""
    if z.ndim == 2:
        axes, shape = (0,), (1, -1)
    elif z.ndim == 4:
        axes, shape = (0, 2, 3), (1, -1, 1, 1)
    else:
        raise ValueError(f"batch_norm takes (N, F) or (N, C, H, W), got shape {tuple(z.shape)}")
    mean = z.mean(dim=axes, keepdim=True)
    var = ((z - mean) ** 2).mean(dim=axes, keepdim=True)      # biased: divided by the count
    return (z - mean) / torch.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)
