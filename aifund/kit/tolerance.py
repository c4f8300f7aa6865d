"""The tolerance policy, written once (spec/tolerance.md gives the reasoning).

Forward values (float32 results against a float64 oracle evaluated on the very
same float32 inputs) are held to a rounding-error bound, not to a guessed
number:

    |got - exact| <= SAFETY * u * (n_terms + 1) * scale

u is the unit roundoff of the result's dtype. ``scale`` is the magnitude of
what the formula computes on the way, element by element: for an elementwise
f it is |f(z)| + |z f'(z)| (the argument's own rounding, magnified by f's
condition number) plus the size of the intermediates the formula subtracts
(1 for sigmoid, tanh, softmax); for a sum of products it is the sum of the
absolute products. ``n_terms`` is the length of the longest sum (1 for
elementwise ops). SAFETY = 8 lets every elementary operation be off by a few
ulp, as tinygrad's and libm's exp and log are.

Gradients are checked in float64, where rounding is ~1e-16 and the inputs'
condition numbers (bounded by the generated ranges) stay below 1e6: any
correct implementation lands within 1e-10, while a wrong formula is off by
1e-3 or more. # Whole networks (the CNN): worst-case bounds compound through the layers until
# they allow anything (for SimpleCNN they exceed 1 on probabilities), so the
# per-dtype table of torch.testing.assert_close is used instead: float32
# rtol 1.3e-6, atol 1e-5. PyTorch's own float32 CNN is within 2e-7 of float64.
COMPOSITE_RTOL = {np.dtype(np.float32): 1.3e-6, np.dtype(np.float64): 1e-7}
COMPOSITE_ATOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-7}

GRAD_RTOL = 1e-7 sits between the two, with margin both ways.
Finite differences use a central step and the bound of their own error.
"""
import numpy as np

UNIT_ROUNDOFF = {np.dtype(np.float32): 2.0 ** -24, np.dtype(np.float64): 2.0 ** -53}
SAFETY = 8

# Whole networks (the CNN): worst-case bounds compound through the layers until
# they allow anything (for SimpleCNN they exceed 1 on probabilities), so the
# per-dtype table of torch.testing.assert_close is used instead: float32
# rtol 1.3e-6, atol 1e-5. PyTorch's own float32 CNN is within 2e-7 of float64.
COMPOSITE_RTOL = {np.dtype(np.float32): 1.3e-6, np.dtype(np.float64): 1e-7}
COMPOSITE_ATOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-7}

GRAD_RTOL = 1e-7          # float64 gradients against PyTorch autograd, normwise
FD_STEP = 1e-6            # central finite differences, float64, relative to max(1, |x|)
FD_RTOL = 1e-5            # truncation error h^2 |f'''| / 6 stays below 1e-10 on generated ranges


def unit_roundoff(dtype) -> float:
    return UNIT_ROUNDOFF[np.dtype(dtype)]


def forward_bound(dtype, scale, n_terms: int = 1) -> np.ndarray:
    """Allowed absolute error of each element (see module docstring)."""
    scale = np.abs(np.asarray(scale, dtype=np.float64))
    tiny = np.finfo(np.dtype(dtype)).tiny  # underflow to 0 is always accepted
    return SAFETY * unit_roundoff(dtype) * (n_terms + 1) * scale + tiny


def composite_bound(dtype, reference) -> np.ndarray:
    ref = np.abs(np.asarray(reference, dtype=np.float64))
    return COMPOSITE_ATOL[np.dtype(dtype)] + COMPOSITE_RTOL[np.dtype(dtype)] * ref


GRAD_FLOOR_ULPS = 1024   # rounding of the terms that enter, when the exact gradient itself is 0 or tiny


def gradient_bound(reference: np.ndarray, magnitude: float = 0.0) -> np.ndarray:
    """Allowed absolute error of a float64 gradient: relative to the element and the array's scale,
    and never below the rounding of the terms that enter the computation (``magnitude``: the size
    of the largest of them). Without that floor, a gradient that is exactly 0 (every unit inactive)
    would allow no error at all, and a correct 1e-17 from cancelling terms would fail."""
    ref = np.abs(np.asarray(reference, dtype=np.float64))
    scale = max(float(ref.max()) if ref.size else 0.0, float(magnitude))
    return GRAD_RTOL * ref + GRAD_RTOL * (ref.max() if ref.size else 0.0) \
        + GRAD_FLOOR_ULPS * UNIT_ROUNDOFF[np.dtype(np.float64)] * scale + 1e-300


def term_magnitude(*arrays) -> float:
    """The size of the largest term a product of these arrays can contribute: the product of their
    largest absolute values, times the number of terms a sum over them may add (the largest size)."""
    magnitude, count = 1.0, 1
    for a in arrays:
        a = np.abs(np.asarray(a, dtype=np.float64))
        if a.size:
            magnitude *= max(1.0, float(a.max()))
            count = max(count, a.size)
    return magnitude * count


def finite_difference_bound(analytic: float, abs_terms: float, f_magnitude: float, step: float) -> float:
    """Allowed |fd - analytic| for one directional derivative.

    abs_terms: Σ|g_j t_j| (the conditioning of the dot product <g, t>);
    f_magnitude: Σ|c_i f_i| (sets the rounding error of F(x ± h t), divided by 2h).
    """
    u = UNIT_ROUNDOFF[np.dtype(np.float64)]
    return FD_RTOL * (abs(analytic) + abs_terms) + 10 * u * f_magnitude / step + 1e-300
