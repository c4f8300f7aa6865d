"""Hypothesis strategies for the suite's inputs.

tinygrad compiles a kernel for every new shape (~0.1 s here), so shapes are
drawn from a short list of sides; the disk cache then serves repeats.
"""
import numpy as np
from hypothesis import settings, strategies as st
from hypothesis.extra import numpy as hnp

SIDES = (1, 2, 3, 5, 8)


def shapes(min_dims: int = 1, max_dims: int = 3, sides=SIDES):
    return st.lists(st.sampled_from(sides), min_size=min_dims, max_size=max_dims).map(tuple)


def floats(lo: float, hi: float, width: int = 32):
    if width == 32:  # bounds must be float32 numbers: round them inwards
        lo32, hi32 = np.float32(lo), np.float32(hi)
        lo = float(lo32 if lo32 >= lo else np.nextafter(lo32, np.float32(np.inf)))
        hi = float(hi32 if hi32 <= hi else np.nextafter(hi32, np.float32(-np.inf)))
    return st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape, lo=-10.0, hi=10.0, dtype=np.float32, away_from_zero: float = 0.0):
    """Arrays of ``dtype`` with elements in [lo, hi]; optionally with |x| >= away_from_zero."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    elements = floats(lo, hi, width)
    if away_from_zero:
        elements = elements.filter(lambda v: abs(v) >= away_from_zero)
    return hnp.arrays(dtype, shape, elements=elements)


seeds = st.integers(0, 2 ** 32 - 1)

CI_EXAMPLES = 12   # the ci and mutants profiles (conftest.py)


def expensive_examples(n_ci: int) -> int:
    """max_examples for a property test whose every example is costly: ``n_ci`` where the profile asks for
    12, the same fraction of a larger profile (thorough), and never more than the profile gives
    (grading keeps its own count). Each use says why fewer examples lose little there.
    The profile is loaded before test modules are imported (conftest, or --hypothesis-profile)."""
    base = settings.default.max_examples
    return max(1, min(base, max(n_ci, round(base * n_ci / CI_EXAMPLES))))


def probabilities(shape, lo=1e-3, dtype=np.float32):
    """Values in [lo, 1 - lo]."""
    return hnp.arrays(dtype, shape, elements=floats(lo, 1 - lo, 32 if np.dtype(dtype) == np.float32 else 64))


def prob_rows(n: int, k: int, rng: np.random.Generator, floor: float = 1e-4, dtype=np.float32):
    """n probability rows over k classes, every entry >= floor, rows summing to 1 in float64."""
    raw = rng.dirichlet(np.full(k, 0.7), size=n)
    p = floor + (1 - k * floor) * raw
    return p.astype(dtype)


def one_hot(labels: np.ndarray, k: int, dtype=np.float32):
    y = np.zeros((labels.size, k), dtype=dtype)
    y[np.arange(labels.size), labels] = 1
    return y
