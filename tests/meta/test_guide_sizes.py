"""The guide-sized inputs every family checks (aifund/kit/strategies.py): the guide's own sizes, built from each
example's drawn values, so that neither an input's size nor a fixed public array tells a check from real use."""
import numpy as np
import pytest

from aifund.kit.strategies import GUIDE_BATCH, GUIDE_SHAPES, at_guide_size, seed_of

pytestmark = pytest.mark.meta


def test_the_guide_sizes_are_the_ones_it_uses():
    assert GUIDE_BATCH == 64
    assert (64, 10) in GUIDE_SHAPES["rows"] and (64, 784) in GUIDE_SHAPES["activations"]
    assert GUIDE_SHAPES["images"][0] == (64, 1, 28, 28)
    assert (784, 256) in GUIDE_SHAPES["weights"] and GUIDE_SHAPES["mlp"] == ((784, 256, 128, 10),)
    assert any(c[1:5] == (1, 32, 28, 28) for c in GUIDE_SHAPES["conv"])        # SimpleCNN's conv1
    assert any(s[1] == 32 for s in GUIDE_SHAPES["maps"])                      # 32-channel maps
    # every shape is far past the 600 elements a size-sniffing submission could use as its cut-off
    shapes = [s for k in ("rows", "activations", "images", "maps", "weights") for s in GUIDE_SHAPES[k]]
    assert min(int(np.prod(s)) for s in shapes) >= 640


def test_a_guide_sized_input_is_built_from_the_drawn_values():
    drawn = np.array([0.0, -1e4, 1e4, 88.8, -0.5], np.float32)
    big = at_guide_size(drawn, (64, 10), -20, 20)
    assert big.shape == (64, 10) and big.dtype == np.float32
    assert np.isin(drawn, big).all(), "the drawn special values appear at full size"
    assert np.array_equal(big, at_guide_size(drawn, (64, 10), -20, 20)), "a function of the example"
    other = at_guide_size(drawn + np.float32(1), (64, 10), -20, 20)
    assert np.mean(big != other) > 0.9, "another example gets other values everywhere, not one fixed array"
    assert seed_of(drawn) != seed_of(drawn + np.float32(1))
    float64 = at_guide_size(np.zeros(3), (64, 128), -8, 8)
    assert float64.dtype == np.float64 and (np.abs(float64) <= 8).all()
