"""Section 5 of the guide: activation functions on torch.Tensors, built from elementary ops (exp, maximum,
where) rather than torch.sigmoid or F.gelu, so that the formula of the guide is the code. Each keeps its
input's shape and dtype; autograd differentiates them."""
import torch

# e^80 ~ 5.5e34 still fits float32: capping the exponent there keeps 1 + e^-z finite for every z, and the
# gradient at very negative z is 0 instead of NaN (inf / inf).
EXP_CAP = 80.0


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(torch.clamp(-z, max=EXP_CAP)))


def tanh(z: torch.Tensor) -> torch.Tensor:
    # 2 sigmoid(2z) - 1: the same identity as the tinygrad reference, free of overflow for the same reason
    return 2 * sigmoid(2 * z) - 1


def relu(z: torch.Tensor) -> torch.Tensor:
    return torch.clamp(z, min=0)


def leaky_relu(z: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    return torch.where(z > 0, z, alpha * z)


def gelu(z: torch.Tensor) -> torch.Tensor:
    # the guide's form z * sigmoid(1.702 z), not the erf one
    return z * sigmoid(1.702 * z)


def softmax(z: torch.Tensor, axis: int = -1) -> torch.Tensor:
    # the row maximum is subtracted (a constant for the gradient: softmax does not change under a shift)
    e = torch.exp(z - torch.amax(z, dim=axis, keepdim=True).detach())
    return e / e.sum(dim=axis, keepdim=True)
