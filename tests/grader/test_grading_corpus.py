"""The grader on the reference and on mutants: full marks, and less than full marks naming the guilty item.

Every mutant's items are checked by tests/meta/test_mutants.py through the
same plugin; here a sample goes through ./grade itself (restricted to the
mutant's items, to stay within CI time).
"""
import json
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO
from tests.meta.test_mutants import declared

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader")]
SAMPLE = ["softmax_no_shift", "quantize_floor", "numpy_neuron_uses_autograd"]


def test_reference_full_marks_and_mutants_less(tmp_path):
    subs = [REPO / "impl"] + [REPO / "tests" / "mutants" / f"{m}.py" for m in SAMPLE]
    items = sorted({i for m in SAMPLE for i in declared(REPO / "tests" / "mutants" / f"{m}.py")["CAUGHT_BY"]})
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", *map(str, subs), "--out", str(tmp_path), "--reference-visible",
                           "--spec-items", ",".join(items)], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    reference = json.loads((tmp_path / "impl" / "report.json").read_text())
    assert reference["score"] == reference["max_score"], [i for i in reference["items"] if i["status"] != "pass"]
    for m in SAMPLE:
        report = json.loads((tmp_path / m / "report.json").read_text())
        assert report["score"] < report["max_score"], m
        feedback = (tmp_path / m / "feedback.md").read_text()
        for item in declared(REPO / "tests" / "mutants" / f"{m}.py")["CAUGHT_BY"]:
            assert f"### `{item}`" in feedback, f"{m}: the feedback does not name {item}"


def test_hidden_items_show_no_details_and_weights_come_from_the_config(tmp_path):
    from aifund.grader.config import load_config
    from aifund.grader.report import feedback_markdown, gradescope_json, grade
    from aifund.grader.run import Outcome
    config_file = tmp_path / "course.toml"
    config_file.write_text('hidden = ["act.relu."]\n[weights]\n"act.sigmoid." = 3.0\n[sections]\n"5" = 2.0\n')
    config = load_config(config_file)
    only = ["act.sigmoid.values", "act.relu.values"]
    outcome = Outcome(report={"items": {"act.sigmoid.values": {"status": "pass", "message": ""},
                                        "act.relu.values": {"status": "fail", "message": "secret expected values"}}})
    result = grade("s", outcome, config, only)
    weights = {i["id"]: i["weight"] for i in result["items"]}
    assert weights == {"act.sigmoid.values": 6.0, "act.relu.values": 2.0}
    assert result["score"] == 75.0
    assert "secret" not in feedback_markdown(result)
    hidden = [t for t in gradescope_json(result)["tests"] if t["number"] == "act.relu.values"][0]
    assert hidden["visibility"] == "after_published"
    with pytest.raises(ValueError, match="matches no spec item"):
        (tmp_path / "bad.toml").write_text('[weights]\n"no.such." = 1\n')
        load_config(tmp_path / "bad.toml")


@pytest.mark.parametrize("config, words", [
    ('[weights\n"act." = 2\n', "not valid TOML"),
    ('[limits]\nitem_timout = 5\n', "[limits] unknown key 'item_timout' (did you mean 'item_timeout'?)"),
    ('[weights]\n"act." = "two"\n', "weight of 'act.' is 'two'"),
    ('[limits]\nmemory_mb = 1.5\n', "[limits] memory_mb = 1.5; it must be a positive whole number"),
    ('[sections]\n"99" = 2\n', "[sections] '99' is not a guide section"),
])
def test_a_bad_course_config_is_one_line_before_grading(tmp_path, config, words):
    path = tmp_path / "course.toml"
    path.write_text(config)
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(REPO / "impl"), "--out", str(tmp_path / "out"),
                           "--config", str(path)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr and str(path) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists(), "nothing is graded with a config that cannot be used"


@pytest.mark.parametrize("args, words", [
    (["nope.py"], "no such file or directory: nope.py"),
    (["EMPTY"], "no submissions found in"),
    (["impl", "--spec-items", "act.sigmod."], "'act.sigmod.' is not a spec item id or prefix (closest: act.sigmoid."),
])
def test_bad_grading_input_is_one_line(tmp_path, args, words):
    (tmp_path / "empty").mkdir()
    args = [str(tmp_path / "empty") if a == "EMPTY" else a for a in args]
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", *args, "--out", str(tmp_path / "out")], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_import_has_its_own_time_limit(tmp_path):
    """[limits] import_timeout bounds the submission's import, item_timeout each test: a course with short item
    timeouts must not call a slow import (PyTorch on a busy machine) an endless loop, and the other way round."""
    sub = tmp_path / "subs" / "slow_import.py"
    sub.parent.mkdir()
    sub.write_text("import time\ntime.sleep(30)\nfrom tinygrad import Tensor\n"
                   "def sigmoid(z):\n    return 1 / (1 + (-z).exp())\n")
    config = tmp_path / "course.toml"
    config.write_text("[limits]\nitem_timeout = 120\nimport_timeout = 2\n")
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(sub), "--out", str(tmp_path / "out"),
                           "--config", str(config), "--spec-items", "act.sigmoid.values"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    item, = json.loads((tmp_path / "out" / "slow_import" / "report.json").read_text())["items"]
    assert item["status"] == "error" and "did not finish within 2 s" in item["message"], item
