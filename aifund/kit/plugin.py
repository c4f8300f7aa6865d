"""The pytest plugin's hooks: each one only wires the modules that do the work.

Each test that checks the spec carries ``@pytest.mark.spec("item.id")``. Before it runs, the worker session
checks that the implementation imported and defines the names the item needs (worker_session.py); after it
runs, its outcome becomes an item status attached to the report (outcome.py), which also travels back from
pytest-xdist workers; the controlling process aggregates per item and writes the JSON report
(report.py) and the table (terminal.py). Options are in options.py, the item selection in selection.py, the
time limits in limits.py. Every hook does nothing outside a conformance run (``--impl`` given, or the
conformance tests collected), so other projects' pytest runs in the same environment are unchanged.
"""
from __future__ import annotations

import gc
import os

import pytest

from aifund.kit import examples, options, outcome, profiles, selection, shortcuts, terminal, worker_session
from aifund.kit.alarm import time_limit
from aifund.kit.limits import ItemTimeout, limit_of
from aifund.kit.report import Conformance


def pytest_addoption(parser):
    options.add_options(parser)
    options.add_device_option(parser)


def active(config) -> bool:
    """True in a conformance run (see options.is_conformance_run); every hook below does nothing otherwise."""
    return getattr(config, "_conformance", None) is not None


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(*ids): the spec item(s) this test checks")
    config.addinivalue_line("markers", "time_limit(seconds): this test may run longer than --item-timeout")
    options.check_device(config)   # the device gates' --require-device, in any run (not only a conformance run)
    if config.getoption("--impl") is not None and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(options.conformance_dir())]   # `pytest --impl mine.py` from any folder: the whole suite
    if not options.is_conformance_run(config):
        return
    # Gradient items compute in float64, which tinygrad's CPU device has and some GPU backends lack.
    os.environ.setdefault("DEV", "CPU")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:tinygrad.*")
    options.check_arguments(config)
    config._hypothesis_profile = profiles.chosen(config)
    config._example_store = None
    if profiles.uses_database(config._hypothesis_profile):
        try:
            config._example_store = examples.open_store(config.getoption("--example-db"), worker_session.target_of(config),
                                                        config.invocation_params.dir)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    profiles.load(config)
    config._conformance = Conformance(config)
    config.pluginmanager.register(ReportHooks(config._conformance), "conformance-report")


def pytest_unconfigure(config):
    conformance = getattr(config, "_conformance", None)
    if conformance is not None:
        conformance.close()


def pytest_ignore_collect(collection_path, config):
    """With --spec-items, the conformance modules that name none of them are not imported."""
    wanted = config.getoption("--spec-items", None)
    if active(config) and wanted and collection_path.parent.resolve() == options.conformance_dir().resolve():
        return True if selection.skips_module(collection_path, wanted) else None
    return None


def pytest_collection_modifyitems(config, items):
    if active(config):
        selection.select(config, items)
        outcome.expect(items)
        # What is here now (torch, tinygrad, the collected tests) lives until the run ends: out of the cyclic
        # collector's sight, its passes scan only what the tests make. A batch of 12 mutant runs in one
        # process spent 13-15 s of CPU here instead of 19.7; each run's final pass had taken ~0.5 s.
        gc.collect()
        gc.freeze()


@pytest.fixture(scope="session")
def impl(request):
    """The module under test, as handles into its worker process."""
    return worker_session.session_of(request.config).module()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if active(item.config):
        worker_session.before_test(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if not active(item.config):
        return (yield)
    limit = limit_of(item)
    backstop = limit + 60 if selection.spec_ids(item) else limit
    with time_limit(backstop, lambda: ItemTimeout(f"the test did not finish within {backstop:g} s")):
        try:
            result = yield
        finally:
            used = shortcuts.observe(item)      # whether the test passed or not: what it was seen calling
    shortcuts.enforce(item, used)               # a forbidden one fails the test that passed
    return result


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    if active(item.config):
        worker_session.after_test(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    result = yield
    if active(item.config):
        outcome.record(item, call, result.get_result())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    """Around pytest's own summary (its ERRORS section and short summary): a failed import listed once."""
    if not active(config):
        return (yield)
    with terminal.one_import_error(terminalreporter):
        return (yield)


class ReportHooks:
    """The report's hooks, registered only in a conformance run; each hands over to the Conformance report."""

    def __init__(self, conformance: Conformance):
        self.conformance = conformance

    def pytest_report_header(self, config):
        target = config.getoption("--impl") or "impl (the reference implementation)"
        return f"implementation under test: {target}; spec items: {len(selection.ITEMS)}"

    def pytest_runtest_logreport(self, report):
        self.conformance.add(report)

    def pytest_testnodedown(self, node, error):
        self.conformance.add_worker(node)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        self.conformance.finish(session)

    def pytest_terminal_summary(self, terminalreporter):
        terminal.write_summary(self.conformance, terminalreporter)
