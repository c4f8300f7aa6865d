"""The command-line options of a conformance run and of the device gates, and the checks of their values.

Reads options and paths only: it never starts the worker and never decides a verdict.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib

import pytest

from aifund import frameworks, sandbox
from aifund.kit import examples, shortcuts
from aifund.kit.selection import split_ids, unknown_selection
from aifund.kit.worker_session import DEFAULT_CACHE, TARGET_CACHES, target_of


def add_options(parser):
    group = parser.getgroup("conformance", "conformance to the guide's spec")
    group.addoption("--impl", default=None, metavar="PATH",
                    help="module under test: a .py file or a package directory (default: the reference, impl/)")
    group.addoption("--framework", default=None, choices=frameworks.NAMES,
                    help="what the implementation is written in: tinygrad (default) or torch; the checks, oracles and "
                         "tolerances are the same, the worker's adapter and the contract page differ. Without --impl, "
                         "the reference of that framework is checked")
    group.addoption("--conformance-json", default=None, metavar="FILE",
                    help="write the per-item conformance report to FILE as JSON")
    group.addoption("--impl-import-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="time allowed for importing the implementation (default 60)")
    group.addoption("--item-timeout", type=float, default=300.0, metavar="SECONDS",
                    help="time allowed for one test before its items are reported as timed out (default 300)")
    group.addoption("--spec-items", default=None, metavar="ID,ID",
                    help="run only the tests of these spec items (comma-separated ids or prefixes ending in '.')")
    group.addoption("--sandbox", default="auto", choices=("auto", "require", "off"),
                    help="run the implementation in a bubblewrap sandbox: auto (where the machine has it, "
                         "default), require (refuse to run without it), off")
    group.addoption("--kernel-cache", default=None, metavar="DIR",
                    help=f"tinygrad kernel cache the implementation's process may write (default: {DEFAULT_CACHE} for "
                         f"the reference, a folder of the module's own under {TARGET_CACHES} for any other, which "
                         "also reads the reference's)")
    group.addoption("--worker-uid", type=int, default=None, metavar="UID",
                    help="when run as root: the user the implementation's process runs as (default 2000000)")
    group.addoption("--worker-memory-mb", type=int, default=sandbox.Limits.memory_mb, metavar="MB",
                    help=f"memory of the implementation's processes together where a cgroup can be made, and the address "
                         f"space of each (default {sandbox.Limits.memory_mb})")
    group.addoption("--partial", action="store_true", default=False,
                    help="a partial implementation on purpose: items it lacks (missing) do not fail the run "
                         "(default: any fail, error or missing item makes the exit status 1)")
    group.addoption("--reference-visible", action="store_true", default=False,
                    help="let the implementation import the reference impl/ (the kit's own mutant corpus needs it)")
    group.addoption("--example-db", default=None, metavar="DIR",
                    help="Hypothesis example database: every failure found is saved there and replayed first by "
                         f"later runs (default: {examples.BESIDE_IMPL} in the folder of --impl; for the reference, "
                         "the kit's .hypothesis/aifund-examples). Also read, read-only: the artifact of "
                         f"${examples.SHARED_ENV}=owner/repo. The mutants and grading profiles use none")
    shortcuts.add_options(group)


DEVICE_PROFILES = ("cpu", "cuda", "jetson")
DEVICE_MARKERS = {"cpu": "gates measured on a CPU", "cuda": "gates that need an NVIDIA GPU",
                  "jetson": "gates that need an NVIDIA Jetson board"}


def add_device_option(parser):
    """--require-device: in every pytest run of the environment (the gates are aifund.edge.latency_gates)."""
    group = parser.getgroup("device gates", "absolute latency gates per device (aifund.edge.latency_gates)")
    group.addoption("--require-device", default=os.environ.get("AIFUND_REQUIRE_DEVICE") or None,
                    choices=DEVICE_PROFILES, metavar="PROFILE",
                    help="run the absolute latency gates of this device profile (cpu, cuda, jetson) and refuse "
                         "to start on a machine of another kind; also AIFUND_REQUIRE_DEVICE (default: none, the "
                         "gates skip). From an installed kit: pytest --pyargs aifund.edge.latency_gates -m PROFILE "
                         "--require-device=PROFILE")


def check_device(config):
    """A gate run on the wrong kind of machine is one line and a usage error (exit 4) before anything runs."""
    for name, text in DEVICE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    profile = config.getoption("--require-device", None)
    if profile:
        from aifund.edge.devices import detect, mismatch
        reason = mismatch(detect(), profile)
        if reason:
            raise pytest.UsageError(f"--require-device={profile}: this machine is {reason}")


def conformance_dir() -> pathlib.Path:
    """Where the conformance tests are: tests/conformance in a checkout, aifund/conformance in an installed wheel."""
    return pathlib.Path(importlib.util.find_spec("aifund.conformance").submodule_search_locations[0])


def is_conformance_run(config) -> bool:
    """This plugin is installed for every pytest run of the environment; it acts only when asked:
    --impl is given, or the paths to collect include the conformance tests (or a folder above them), or
    --pyargs names them as modules."""
    if config.getoption("--impl") is not None:
        return True
    tests = conformance_dir().resolve()
    for arg in config.args:
        if config.getoption("pyargs", False) and arg.split("::")[0].split(".")[:2] == ["aifund", "conformance"]:
            return True                     # `pytest --pyargs aifund.conformance[.test_s05_activations]`
        path = pathlib.Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == tests or tests in path.parents or path in tests.parents:
            return True
    return False


def check_arguments(config):
    """Bad input is one line and a usage error (exit 4) before anything runs."""
    given = config.getoption("--impl")
    if given not in (None, "", "impl"):
        path = pathlib.Path(target_of(config))
        if not path.exists():
            raise pytest.UsageError(f"--impl {given}: no such file or directory ({path})")
        if path.is_dir() and not (path / "__init__.py").is_file():
            raise pytest.UsageError(f"--impl {given}: a folder without __init__.py is not a Python package")
        if path.is_file() and path.suffix != ".py":
            raise pytest.UsageError(f"--impl {given}: neither a .py file nor a package folder")
        if not os.access(path, os.R_OK):
            raise pytest.UsageError(f"--impl {given}: not readable")
    shortcuts.check_arguments(config)
    wanted = config.getoption("--spec-items")
    if wanted is not None:
        problems = [unknown_selection(w) for w in split_ids(wanted)]
        problems = [p for p in problems if p]
        if problems or not split_ids(wanted):
            raise pytest.UsageError("--spec-items: " + ("; ".join(problems) or "no item ids given"))

