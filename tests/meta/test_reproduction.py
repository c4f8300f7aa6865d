"""A failure's reproduction snippet rebuilds the failing input exactly, or says plainly that it cannot."""
import numpy as np

from aifund.kit.check import EXACT_BYTES_VALUES, reproduction

NOT_RUN = {"out = impl.softmax(z)", "print(out.numpy())", "import impl  # run from the kit's root folder"}


def rebuilt(snippet: str) -> dict:
    """Runs the snippet's input lines with Tensor as a plain array (nothing of the implementation is needed)."""
    lines = [line.strip() for line in snippet.splitlines()]
    code = "\n".join(line for line in lines if line and line not in NOT_RUN and not line.startswith("from tinygrad"))
    scope = {"Tensor": np.asarray}
    exec(code, scope)   # noqa: S102 - the kit's own snippet
    return scope


def test_an_input_of_hundreds_of_values_is_pasted_bit_for_bit():
    z = np.random.default_rng(3).standard_normal((64, 10)).astype(np.float32) * 1e3
    z[0, 0] = np.nextafter(np.float32(1.0), np.float32(2.0))
    scope = rebuilt(reproduction({"z": z}, "impl.softmax(z)"))
    assert scope["z"].dtype == z.dtype and np.array_equal(scope["z"], z)


def test_an_input_too_large_to_paste_is_called_a_stand_in():
    z = np.zeros((EXACT_BYTES_VALUES + 1,), np.float64)
    snippet = reproduction({"z": z}, "impl.softmax(z)")
    assert "STAND-IN" in snippet and f"{z.size} values" in snippet
