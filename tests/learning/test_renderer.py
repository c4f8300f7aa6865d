"""The renderer a training run uses (aifund/training/renderer.py): LLVM for the CNN only where it works, never
over the user's own DEV."""
import pytest

from aifund.training import renderer


def test_a_renderer_that_cannot_run_is_refused_with_its_reason():
    reason = renderer.works("CPU:NO_SUCH_RENDERER")
    assert reason and "NO_SUCH_RENDERER" in reason, reason


def test_the_cnn_trains_on_llvm_only_where_it_works_and_the_mlp_on_the_default():
    assert renderer.chosen("mlp") is None
    expected = "CPU:LLVM" if renderer.works("CPU:LLVM") is None else None
    assert renderer.chosen("cnn") == expected


@pytest.mark.parametrize("dev", ["CPU:CLANG", "PYTHON"])
def test_the_users_choice_of_device_wins(monkeypatch, dev):
    monkeypatch.setenv("DEV", dev)
    assert renderer.chosen("cnn") is None
