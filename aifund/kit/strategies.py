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


# The sizes the guide itself uses (batches of 64 MNIST images of 784 features, 10-class rows, the MLP's hidden
# widths 256 and 128, 28x28 images, SimpleCNN's stages: impl/cnn.py LAYOUT, a 784x256 weight matrix). Every
# family of items checks one of these on each example as well as its small drawn input, so that an input's size
# never tells a check from real use. Few shapes per family: tinygrad compiles kernels per shape.
GUIDE_SHAPES = {
    "rows": ((64, 10), (128, 10), (256, 10)),                 # a batch of 10-class predictions
    "activations": ((64, 784), (64, 256), (64, 128)),         # a batch at the MLP's widths
    "images": ((64, 1, 28, 28),),                             # a batch of MNIST images
    "maps": ((8, 32, 28, 28), (8, 64, 14, 14)),               # SimpleCNN's conv1 and conv2 outputs (the pools' inputs)
    # SimpleCNN's two convolutions (impl/cnn.py LAYOUT) as (N, C_in, C_out, H, W, k, stride, padding)
    "conv": ((64, 1, 32, 28, 28, 3, 1, 1), (8, 32, 64, 14, 14, 3, 1, 1)),
    "weights": ((784, 256), (256, 128)),                      # the MLP's weight matrices
    "layers": ((64, 784, 256), (64, 256, 128), (64, 128, 10)),  # (batch, n_in, n_out) of the MLP's layers
    "mlp": ((784, 256, 128, 10),),                           # the guide's MLP (layer sizes), at batch 64
}
GUIDE_BATCH = 64


def guide_shapes(family: str):
    """One of the guide's own shapes for ``family``; the first (the most common use) is Hypothesis' simplest."""
    return st.sampled_from(GUIDE_SHAPES[family])


def seed_of(*values) -> int:
    """A seed that is a function of the example's drawn values (arrays, numbers, tuples)."""
    import zlib
    crc = 0
    for v in values:
        crc = zlib.crc32(np.ascontiguousarray(v).tobytes() if isinstance(v, np.ndarray) else repr(v).encode(), crc)
    return crc


def at_guide_size(drawn: np.ndarray, shape, lo: float, hi: float, seed: int | None = None) -> np.ndarray:
    """An input of the guide's ``shape`` built from the example: values from an rng seeded by the drawn ones
    (or ``seed``), uniform in [lo, hi], with every drawn value placed at a seeded position. Changes with the
    example like the small input does; the drawn special values (0, extremes) appear at full size too."""
    drawn = np.asarray(drawn)
    rng = np.random.default_rng(seed_of(drawn) if seed is None else seed)
    out = rng.uniform(lo, hi, shape).astype(drawn.dtype)
    flat = drawn.ravel()[:out.size]
    out.flat[rng.choice(out.size, size=flat.size, replace=False)] = flat
    return out
