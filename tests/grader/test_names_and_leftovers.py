"""Names students choose and what their code leaves behind: every submission gets a report folder of its own
inside --out, class.csv is always a file, and a cache tree too deep for shutil.rmtree neither loses the
grade nor survives it."""
import csv
import json
import os
import pathlib
import subprocess
import sys

import pytest

from aifund.grader.shards import report_names, submission_name

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(600)]
RELU = "def relu(x):\n    return x.maximum(0)\n"
DEEP = '''import os
here = os.getcwd()
os.chdir(os.path.dirname(os.environ.get("CACHEDB", "/cache/kernels.db")))
for _ in range(3000):       # one level at a time: the whole path is far longer than PATH_MAX
    os.mkdir("d")
    os.chdir("d")
os.chdir(here)
''' + RELU


def test_report_names_are_safe_and_different(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "__init__.py").write_text(RELU)
    paths = []
    for name in ("bob.py", "Bob.py", "class.csv.py", "....py", ".hidden.py", "a b&c.py", "shard.json.py"):
        (tmp_path / name).write_text(RELU)
        paths.append(tmp_path / name)
    paths.append(tmp_path / "bob")
    names = report_names(paths)
    assert len(set(n.lower() for n in names.values())) == len(paths), names
    for name in names.values():
        assert "/" not in name and name not in (".", "..", "class.csv", "shard.json") and not name.startswith(".")
    assert names[tmp_path / "bob.py"] == "bob" and names[tmp_path / "bob"] == "bob-3", names
    assert submission_name(tmp_path / "a b&c.py") == "a_b_c"


def test_a_class_of_awkward_names_and_a_deep_tree_is_graded_whole(tmp_path):
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / "__init__.py").write_text("def relu(x):\n    return x\n")      # wrong: scores 0
    for name, text in (("bob.py", RELU), ("class.csv.py", RELU), ("....py", RELU), ("deep.py", DEEP)):
        (subs / name).write_text(text)
    out = tmp_path / "out" / "grades"
    scratch = tmp_path / "scratch"     # the grader's temporary folders, apart from any other run's
    scratch.mkdir()
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(subs), "--out", str(out), "--jobs", "1",
                           "--spec-items", "act.relu.values"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "TMPDIR": str(scratch)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "class.csv").is_file(), "class.csv was not written"
    rows = list(csv.DictReader((out / "class.csv").open()))
    assert len(rows) == 5 and len({r["submission"] for r in rows}) == 5, rows
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["grades"], "a report went outside --out"
    scores = {}
    for folder in out.iterdir():
        if folder.is_dir():
            report = json.loads((folder / "report.json").read_text())
            scores[folder.name] = report["score"] / report["max_score"]
    assert scores["bob"] == 0 and scores["bob-2"] == 1, scores       # the package first (sorted), then the file
    assert scores["deep"] == 1, "the deep tree cost the submission its grade"
    assert not list(scratch.glob("aifund-grade-*")), "a grading folder was left"
