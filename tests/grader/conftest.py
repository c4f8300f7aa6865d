"""Fixtures of tests/grader: ``graded``, the one ./grade run over the hostile corpus (tests/grader/hostile/) that
tests/grader/test_hostile_*.py check. Runs it once per test run; never checks a verdict.
"""
import os
import pickle
import shutil

import pytest

from tests.grader.hostile.grading import Graded, grade_the_class


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    """The class is graded once per test run. Under pytest-xdist the result is shared through the run's
    common temporary folder (keyed by the run's id): the tests of tests/grader/test_hostile_*.py have been seen
    to land in two worker processes, and each grading of the class costs about three minutes."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed: ./grade refuses to grade untrusted code without it")
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return grade_the_class(tmp_path_factory)
    from filelock import FileLock
    shared = tmp_path_factory.getbasetemp().parent / f"hostile-{run_id}"
    with FileLock(f"{shared}.lock"):
        if shared.with_suffix(".pickle").is_file():
            return pickle.loads(shared.with_suffix(".pickle").read_bytes())
        result = grade_the_class(tmp_path_factory)
        shared.with_suffix(".pickle").write_bytes(pickle.dumps(result))
        return result
