"""Accuracy gates: the reference implementation learns, on real data (select with -m accuracy)."""
import pytest

from impl.datasets import DataMissing
from tests.learning.gates import GATES
from tests.learning.trained import gate_run

pytestmark = [pytest.mark.accuracy, pytest.mark.cpu]


@pytest.mark.parametrize("gate", [pytest.param(g, marks=pytest.mark.xdist_group(f"gate-{g}")) for g in GATES])
def test_accuracy_gate(gate):
    data_name, config, minimum, source = GATES[gate]
    try:
        _, _, history = gate_run(gate)
    except DataMissing as exc:
        pytest.skip(f"{data_name} is not in the data directory, so its gate cannot run: {exc}")
    got = history.final_accuracy
    assert got >= minimum, (
        f"{gate}: test accuracy {got:.2%} is {100 * (minimum - got):.2f} percentage points below the gate "
        f"{minimum:.0%} ({source}); {config.epochs} epochs, batch {config.batch_size}, lr {config.lr}, "
        f"seed {config.seed}, {history.train_seconds:.0f} s")
