"""Every hostile submission of the corpus (tests/grader/hostile/corpus.py) gets the statuses, scores and messages it
deserves from the one ./grade run (tests/grader/conftest.py's ``graded``), with the holes named by a test of their own.
"""
import pytest

from tests.grader.hostile.corpus import CASES, OWN_TEST
from tests.grader.hostile.grading import problems_of, report_of

# One grading run of the whole folder (about 35 submissions, 2 at a time on 2 cores), shared by the
# test_hostile_*.py files: their common xdist_group keeps them in the process that runs it.
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]


def test_every_submission_is_graded_as_it_deserves(graded):
    """Statuses, scores and messages of every submission; all problems reported together."""
    problems = [p for name in CASES if name not in OWN_TEST for p in problems_of(graded, name)]
    assert not problems, "\n".join(problems)


def test_a_patched_tinygrad_is_not_taken_at_its_word(graded):
    """relu = identity, with tinygrad's Tensor.numpy patched (in the worker) to clamp whatever it reads at 0.

    The kit reads a result's values by calling the result's own .numpy() in the submission's process, so the
    patch answers for it; the returned Tensor is not relu(z) for anything but that one method."""
    problems = problems_of(graded, "patches_tinygrad_method")
    assert not problems, "\n".join(problems)


def test_a_worker_killed_by_the_kit_counts_as_a_restart(graded):
    """malformed_frames' worker is killed after sigmoid's malformed answer; relu ran in a new one."""
    report = report_of(graded, "malformed_frames")
    assert "$evil" in report["items"][1]["message"]          # relu's answer came from a second worker
    assert report["worker_restarts"] >= 1, report["worker_restarts"]

