"""The one ./grade run over the hostile corpus (tests/grader/conftest.py's ``graded``) writes every report and the
class summary, keeps what a submission prints up to the cap, and flags torch and the reference for staff.
"""
import csv
import json
import re

import pytest

from tests.grader.hostile.corpus import CASES, INTEGRITY
from tests.grader.hostile.grading import report_of

# One grading run of the whole folder (about 35 submissions, 2 at a time on 2 cores), shared by the
# test_hostile_*.py files: their common xdist_group keeps them in the process that runs it.
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]


def test_every_report_and_the_class_summary_are_written(graded):
    with open(graded.out / "class.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(CASES)
    assert float(rows["good"]["score"]) == 100.0 and float(rows["syntax_error"]["score"]) == 0.0
    for name in CASES:
        assert float(rows[name]["score"]) == report_of(graded, name)["score"], name
    # nothing but the grader's own folders and the summary in the output folder
    assert {p.name for p in graded.out.iterdir()} == set(CASES) | {"class.csv"}
    for name in CASES:
        assert {p.name for p in (graded.out / name).iterdir()} <= {
            "report.json", "feedback.md", "results.json", "junit.xml", "grading.log"}, name
    # Gradescope's results.json
    data = json.loads((graded.out / "missing_name" / "results.json").read_text())
    assert data["score"] == 50.0 and {"score", "tests", "execution_time"} <= set(data)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100.0)



def test_output_past_the_cap_is_dropped_and_noted(graded):
    """A correct relu that prints 70 MB passes; the first 64 KiB are kept and the rest is noted as dropped."""
    report = report_of(graded, "prints_megabytes")
    assert [i["status"] for i in report["items"]] == ["pass", "pass"]
    assert report["output"].startswith("x" * 1000)
    assert len(report["output"]) <= 70 * 1024, len(report["output"])
    assert re.search(r"\d+ more bytes of output dropped", report["output"]), report["output"][-300:]


def test_what_a_submission_prints_is_kept(graded):
    """A few lines printed at import time (no flush, as students write them) are in report.json's output."""
    output = report_of(graded, "forges_passed")["output"]
    assert "== 122 passed in 1.0s ==" in output, repr(output[-300:])


def test_integrity_flags_name_torch_and_the_reference(graded):
    missing = []
    for name, word in INTEGRITY.items():
        flags = report_of(graded, name)["integrity"]
        if not any(word in f"{f.get('kind')} {f.get('detail')}" for f in flags):
            missing.append(f"{name}: no integrity flag names {word!r}: {flags}")
    assert not missing, "\n".join(missing)
    assert report_of(graded, "good")["integrity"] == []

