"""Section 13 of the guide: dropout and batch normalisation."""
from tinygrad import Tensor


def dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    """Training: zero each element with probability p, scale the survivors by 1/(1-p). Otherwise: x."""
    if not training or p == 0:
        return x
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    keep = Tensor.rand(*x.shape) >= p
    return keep.where(x * (1.0 / (1.0 - p)), 0.0).cast(x.dtype)


def batch_norm(z: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    """Normalise with the batch's own mean and biased variance, then scale by gamma and shift by beta.

    Statistics are over axis 0 for z (N, F) and over (0, 2, 3) for z (N, C, H, W).
    """
    if z.ndim == 2:
        axes, shape = (0,), (1, -1)
    elif z.ndim == 4:
        axes, shape = (0, 2, 3), (1, -1, 1, 1)
    else:
        raise ValueError(f"batch_norm takes (N, F) or (N, C, H, W), got shape {z.shape}")
    mean = z.mean(axis=axes, keepdim=True)
    var = ((z - mean) ** 2).mean(axis=axes, keepdim=True)      # biased: divide by the count
    return (z - mean) / (var + eps).sqrt() * gamma.reshape(shape) + beta.reshape(shape)
