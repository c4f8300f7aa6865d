"""The grading guard sees replaced functions, methods, code objects and pytest hooks, and not torch's own wrappers."""
import numpy as np
import numpy.testing  # noqa: F401  (numpy loads it lazily; the kit has it loaded before the guard looks)
import pytest
import torch
from tinygrad import Tensor

import tests.kit.check
from grader.guard import hook_state, library_dirs, library_made, replaced, watch_list

pytestmark = pytest.mark.grader


@pytest.fixture(scope="module")
def watched():
    return watch_list(), library_dirs()


def test_nothing_replaced_means_nothing_reported(watched):
    entries, dirs = watched
    assert len(entries) > 10_000
    assert replaced(entries, dirs) == []


def test_a_replaced_module_function_is_seen(watched, monkeypatch):
    entries, dirs = watched
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    assert "numpy.testing.assert_allclose" in replaced(entries, dirs)


def test_a_replaced_method_is_seen(watched, monkeypatch):
    entries, dirs = watched
    original = Tensor.numpy
    monkeypatch.setattr(Tensor, "numpy", lambda self: np.maximum(original(self), 0))
    assert any(label.endswith("Tensor.numpy") for label in replaced(entries, dirs))


def test_a_swapped_code_object_is_seen(watched):
    entries, dirs = watched
    fn = tests.kit.check.require
    saved = fn.__code__
    fn.__code__ = (lambda condition, message, **kwargs: None).__code__
    try:
        assert "tests.kit.check.require" in replaced(entries, dirs)
    finally:
        fn.__code__ = saved


def test_a_new_helper_is_not_tampering(watched, monkeypatch):
    entries, dirs = watched
    monkeypatch.setattr(Tensor, "my_own_helper", lambda self: self, raising=False)
    assert replaced(entries, dirs) == []


def test_torch_wrapping_its_own_function_is_not_tampering(watched):
    _, dirs = watched
    assert library_made(torch._disable_dynamo(torch.manual_seed), dirs)     # what torch._dynamo does on import
    assert not library_made(lambda seed: None, dirs)


def test_a_registered_plugin_changes_the_hook_state(pytestconfig):
    pm = pytestconfig.pluginmanager
    before = hook_state(pm)

    class Plugin:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            yield

    plugin = Plugin()
    pm.register(plugin, "test-guard-plugin")
    try:
        assert hook_state(pm) != before
    finally:
        pm.unregister(plugin)
    assert hook_state(pm) == before
