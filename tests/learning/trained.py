"""One training run per gate per process, shared by the gate and the tests that need a trained model.

Tests that share a run carry the same ``xdist_group`` (``gate-NAME``), so
pytest-xdist sends them to one worker and the model is trained once.
"""
import functools

from aifund.training.datasets import load_dataset
from aifund.training.training import train
from tests.learning.gates import GATES


@functools.cache
def gate_run(name: str):
    """(data set, trained model, history) for one of GATES."""
    data_name, config, _, _ = GATES[name]
    data = load_dataset(data_name)
    model, history = train(config, data)
    return data, model, history
