"""Post-training INT8 quantisation: integer arithmetic and saturation (the accuracy and size gate: tests/learning)."""
import numpy as np
import pytest

from aifund.edge.ptq import int_matmul, quantize_with

pytestmark = pytest.mark.edge


def test_integer_products_equal_int32_accumulation():
    rng = np.random.default_rng(0)
    xq = rng.integers(-128, 128, (16, 3136)).astype(np.int8)
    wq = rng.integers(-127, 128, (3136, 8)).astype(np.int8)
    zp = -128
    exact = (xq.astype(np.int32) - zp) @ wq.astype(np.int32)        # numpy integer matmul, no float involved
    assert exact.dtype == np.int32
    assert np.array_equal(int_matmul(xq, zp, wq), exact.astype(np.float64))


def test_calibrated_grid_saturates_outside_its_range():
    q = quantize_with(np.array([-10.0, 0.0, 0.5, 10.0]), scale=1 / 255, zero_point=-128)
    assert q.tolist() == [-128, -128, 0, 127]      # below the range clamps to -128, above to 127
    assert q.dtype == np.int8
