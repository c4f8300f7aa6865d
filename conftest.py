"""Root conftest: the conformance plugin and the Hypothesis profiles.

Profiles (choose with --hypothesis-profile NAME, or HYPOTHESIS_PROFILE=NAME):
  ci        default; few examples, derandomised, so a run is quick and repeatable
  thorough  many random examples, for a learner's or a maintainer's deep check
  mutants   like ci without shrinking: a failure is found, not minimised
"""
import os

# Gradient items compute in float64, which tinygrad's CPU device supports and
# some GPU backends (Metal) do not. Another device: DEV=CUDA ./conformance ...
os.environ.setdefault("DEV", "CPU")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

pytest_plugins = ["tests.kit.plugin"]

_common = dict(deadline=None, print_blob=False, report_multiple_bugs=False,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])
settings.register_profile("ci", max_examples=12, derandomize=True, database=None, **_common)
settings.register_profile("thorough", max_examples=150, **_common)
settings.register_profile("mutants", max_examples=12, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_common)
# grading: what ./grade uses; derandomised, so the same submission always gets the same grade
settings.register_profile("grading", max_examples=int(os.environ.get("GRADING_MAX_EXAMPLES", "4")), derandomize=True,
                          database=None, phases=[Phase.explicit, Phase.generate], **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--require-device", default=os.environ.get("AIFUND_REQUIRE_DEVICE") or None,
                     choices=("cpu", "cuda", "jetson"), metavar="PROFILE",
                     help="run the absolute latency gates of this device profile (cpu, cuda, jetson) and refuse "
                          "to start on a machine of another kind; also AIFUND_REQUIRE_DEVICE (default: none, "
                          "the gates skip)")


def pytest_configure(config):
    profile = config.getoption("--require-device")
    if profile:
        from impl.edge.devices import detect, mismatch
        reason = mismatch(detect(), profile)
        if reason:
            import pytest
            raise pytest.UsageError(f"--require-device={profile}: this machine is {reason}")
        os.environ["AIFUND_REQUIRE_DEVICE"] = profile   # read by the gates' parametrisation at collection
