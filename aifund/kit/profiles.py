"""The Hypothesis profiles of the kit (choose one with --hypothesis-profile NAME or HYPOTHESIS_PROFILE=NAME).

  ci        the default: a dozen examples per test, derandomised, so a run is quick and repeatable
  thorough  many random examples, for a learner's or a maintainer's deep check
  explore   random search with many examples, for a scheduled CI job
  mutants   like ci without shrinking: the kit's own mutant corpus wants a failure found, not minimised
  grading   what ./grade uses: derandomised, so a submission always gets the same grade

The example database (aifund.kit.examples): in a conformance run, ci, thorough and explore save every
failure Hypothesis finds and, before generating, replay the failures saved by earlier runs (Phase.reuse),
so a failure found once by a night of exploration fails every later run until it is fixed. mutants and
grading never have a database: a grade, and the corpus's verdicts, must not depend on what one holds.

ci is derandomised *and* has a database. Hypothesis forbids both in one call (settings(derandomize=True,
database=...) raises InvalidArgument: "derandomize=True implies database=None"), and a profile with
derandomize=True alone gets database=None. The check looks only at the arguments of that call, so a child
of the derandomised base that names a database keeps both; the engine then seeds generation from the
test's digest as usual and still reads the database (core.py: the database key is the test's digest
whatever derandomize says). tests/meta/test_example_db.py checks that both hold and that replay happens.
"""
import os

from hypothesis import HealthCheck, Phase, settings

DEFAULT = "ci"
WITHOUT_DATABASE = ("mutants", "grading")   # deterministic and database-free, whatever --example-db says
_common = dict(deadline=None, print_blob=False, report_multiple_bugs=False,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])
# The profiles as the kit defines them, each without a database (Hypothesis' own default, a folder
# .hypothesis/examples wherever pytest runs, is never used). load() registers each under its name again,
# with the run's database where it has one.
# Every profile starts from Hypothesis' own "default" profile, never from whatever is loaded: with CI set in
# the environment (GitHub Actions, CI=true), Hypothesis loads its built-in derandomised "ci" profile at import,
# and a profile built on that would have made explore and thorough derandomised too.
_parent = settings.get_profile("default")
BASE = {
    "ci": settings(_parent, max_examples=12, derandomize=True, database=None, **_common),
    "thorough": settings(_parent, max_examples=150, derandomize=False, database=None, **_common),
    "explore": settings(_parent, max_examples=300, derandomize=False, database=None, **_common),
    "mutants": settings(_parent, max_examples=12, derandomize=True, database=None,
                        phases=[Phase.explicit, Phase.generate], **_common),
    "grading": settings(_parent, max_examples=int(os.environ.get("GRADING_MAX_EXAMPLES", "4")), derandomize=True,
                        database=None, phases=[Phase.explicit, Phase.generate], **_common),
}
for _name, _profile in BASE.items():
    settings.register_profile(_name, _profile)


def chosen(config=None) -> str:
    """The profile the user chose (option, then environment), else the kit's default."""
    return (config.getoption("--hypothesis-profile", None) if config is not None else None) \
        or os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT


def load(config=None) -> str:
    """Load the profile the user chose, with the run's example database where it may have one; return its name.

    The database is the one the conformance plugin opened for this run (``config._example_store``, set
    before it calls load; None outside a conformance run). Registered under the profile's own name, so
    that Hypothesis' pytest plugin, loading --hypothesis-profile by name before or after this, gets the
    same settings.
    """
    name = chosen(config)
    store = getattr(config, "_example_store", None) if config is not None else None
    if name in BASE:
        if store is not None and name not in WITHOUT_DATABASE:
            settings.register_profile(name, BASE[name], database=store.database)
        else:
            settings.register_profile(name, BASE[name])
    settings.load_profile(name)
    return name


def uses_database(name: str) -> bool:
    return name not in WITHOUT_DATABASE
