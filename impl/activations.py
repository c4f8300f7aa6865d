"""Section 5 of the guide: activation functions, written with tinygrad Tensor ops.

Each function takes a Tensor of any shape and returns a Tensor of the same shape
and dtype. They are built from primitive ops (not tinygrad's own ``sigmoid``,
``gelu``...) so that the formula on the page is the formula in the code.
"""
from tinygrad import Tensor


def sigmoid(z: Tensor) -> Tensor:
    # 1 / (1 + e^-z). The exponent is capped at 80 so that e^-z never overflows
    # (e^80 ~ 5.5e34 fits float32); below z = -80 the result is then ~1.8e-35
    # instead of e^z, an absolute error far under float32's resolution near 0,
    # and the gradient there is 0 instead of NaN (inf / inf).
    # Not e^z / (1 + e^z) for z < 0: tinygrad's rewriter turns that quotient
    # into 1 - 1 / (1 + e^z), which cancels to 0 for z < -17 in float32.
    return 1 / (1 + (-z).minimum(80.0).exp())


def tanh(z: Tensor) -> Tensor:
    # tanh(z) = 2 sigmoid(2z) - 1, which inherits sigmoid's freedom from overflow.
    return 2 * sigmoid(2 * z) - 1


def relu(z: Tensor) -> Tensor:
    return z.maximum(0)


def leaky_relu(z: Tensor, alpha: float = 0.01) -> Tensor:
    return (z > 0).where(z, alpha * z)


def gelu(z: Tensor) -> Tensor:
    # The guide's approximation z * sigmoid(1.702 z), not the erf or tanh form.
    return z * sigmoid(1.702 * z)


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    # Subtracting the maximum leaves the result unchanged (shift invariance)
    # and keeps every exponent <= 0, so nothing overflows.
    shifted = z - z.max(axis=axis, keepdim=True).detach()
    e = shifted.exp()
    return e / e.sum(axis=axis, keepdim=True)
