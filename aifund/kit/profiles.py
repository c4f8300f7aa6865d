"""The Hypothesis profiles of the kit (choose one with --hypothesis-profile NAME or HYPOTHESIS_PROFILE=NAME).

  ci        the default: a dozen examples per test, derandomised, so a run is quick and repeatable
  thorough  many random examples, for a learner's or a maintainer's deep check
  explore   random search with many examples, for a scheduled CI job
  mutants   like ci without shrinking: the kit's own mutant corpus wants a failure found, not minimised
  grading   what ./grade uses: derandomised, so a submission always gets the same grade
"""
import os

from hypothesis import HealthCheck, Phase, settings

DEFAULT = "ci"
_common = dict(deadline=None, print_blob=False, report_multiple_bugs=False,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])
settings.register_profile("ci", max_examples=12, derandomize=True, database=None, **_common)
settings.register_profile("thorough", max_examples=150, **_common)
settings.register_profile("explore", max_examples=300, **_common)
settings.register_profile("mutants", max_examples=12, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_common)
settings.register_profile("grading", max_examples=int(os.environ.get("GRADING_MAX_EXAMPLES", "4")), derandomize=True,
                          database=None, phases=[Phase.explicit, Phase.generate], **_common)


def load(config=None) -> str:
    """Load the profile the user chose (option, then environment), else the kit's default; return its name."""
    chosen = (config.getoption("--hypothesis-profile", None) if config is not None else None) \
        or os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT
    settings.load_profile(chosen)
    return chosen
