"""Root conftest of the kit's own test run (``./run-tests``).

The conformance plugin itself (``--impl``, the report, the Hypothesis profiles)
is the installed package's pytest plugin, ``aifund.kit.plugin``; this file adds
what only this repository's tests need: the default profile for every test,
and the device gates' ``--require-device``.
"""
import os

from aifund.kit import profiles


def pytest_addoption(parser):
    parser.addoption("--require-device", default=os.environ.get("AIFUND_REQUIRE_DEVICE") or None,
                     choices=("cpu", "cuda", "jetson"), metavar="PROFILE",
                     help="run the absolute latency gates of this device profile (cpu, cuda, jetson) and refuse "
                          "to start on a machine of another kind; also AIFUND_REQUIRE_DEVICE (default: none, "
                          "the gates skip)")


def pytest_configure(config):
    profiles.load(config)
    profile = config.getoption("--require-device")
    if profile:
        from aifund.edge.devices import detect, mismatch
        reason = mismatch(detect(), profile)
        if reason:
            import pytest
            raise pytest.UsageError(f"--require-device={profile}: this machine is {reason}")
        os.environ["AIFUND_REQUIRE_DEVICE"] = profile   # read by the gates' parametrisation at collection
