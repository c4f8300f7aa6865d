"""No hostile submission of the one ./grade run (tests/grader/conftest.py's ``graded``) escapes its sandbox: the
submissions folder is untouched, no secret leaks, links and FIFOs are left out, no process outlives the grade.
"""
import os

import pytest

from tests.grader.hostile.case import CLASSMATE_SECRET, FILE_SECRET
from tests.grader.hostile.grading import FIRST_SUBMISSION_UID, report_of

# One grading run of the whole folder (about 35 submissions, 2 at a time on 2 cores), shared by the
# test_hostile_*.py files: their common xdist_group keeps them in the process that runs it.
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]


def test_the_submissions_folder_is_untouched(graded):
    after = {p.relative_to(graded.subs).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
             for p in graded.subs.rglob("*") if not p.is_fifo()}
    assert after == graded.subs_before


def test_the_sandbox_shows_no_kit_no_reference_and_no_classmate(graded):
    output = report_of(graded, "tampers_kit_tables")["output"]
    assert "tampering found: nothing" in output, output[-500:]
    assert "read: []" in report_of(graded, "reads_classmate")["output"]


def test_no_secret_leaks_into_any_output(graded):
    """Neither the classmate's secret (only in good.py) nor the root-only file's shows up in any file written."""
    leaks = []
    for path in graded.out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in (CLASSMATE_SECRET, FILE_SECRET):
                if secret in text:
                    leaks.append(f"{path.relative_to(graded.out)} shows {secret}")
    assert not leaks, "\n".join(leaks)
    assert FILE_SECRET not in graded.stdout and CLASSMATE_SECRET not in graded.stdout


def test_links_and_fifos_are_left_out_and_noted(graded):
    notes = report_of(graded, "package_with_links")["copy_notes"]
    text = "\n".join(notes)
    for name in ("secret_link.txt", "linked_dir", "zero_link", "pipe"):
        assert name in text, f"copy_notes do not name {name}: {notes}"
    assert "leaked: []" in report_of(graded, "package_with_links")["output"]
    problem = report_of(graded, "symlinked_submission")["problem"]
    assert "symbolic link" in problem, problem


def test_no_process_of_a_submission_outlives_the_grade(graded):
    assert graded.daemon_seen, "the detached daemon never ran: the check below would prove nothing"
    if os.geteuid() == 0:
        assert all(uid is None or uid >= FIRST_SUBMISSION_UID for _, uid in graded.daemon_seen), graded.daemon_seen
    assert not graded.left_after, "left running after the grade:\n" + "\n".join(graded.left_after)
