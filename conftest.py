"""Root conftest of the kit's own test run (``./run-tests``).

The conformance plugin itself (``--impl``, the report, the Hypothesis profiles)
is the installed package's pytest plugin, ``aifund.kit.plugin`` (which also has the
device gates' ``--require-device``); this file adds what only this repository's
tests need: the default profile for every test, and xdist's groups.
"""
from aifund.kit import profiles


def pytest_configure(config):
    profiles.load(config)


def pytest_collection_modifyitems(config, items):
    """Keep each xdist_group in one pytest-xdist process under --dist loadgroup (./run-tests, tox).

    pytest-xdist (3.8) marks a grouped test by appending "@GROUP" to its node id, which it writes to
    ``Node._nodeid``; pytest 9.1+ keeps node ids in ``Node._id`` (a NodeId), so the suffix is lost, every
    test becomes its own unit and the groups are split between processes: the mutant corpus ran its batch
    once per process that got a mutant of the group (up to four batches instead of two), module fixtures
    of tests/grader ran twice. Writes the suffix where pytest reads it; with an older pytest (no NodeId)
    xdist's own suffix works and this does nothing."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")
