"""Merges that cannot mix, and a class.csv a TA can read (grader/fingerprint.py, shards.py, report.py).

Reports are made by grade() from a conformance report written here (no submission runs), filed as
./grade --shard writes them, and merged with the grading command itself; the real shard run of
test_bundle_and_shards.py checks that ./grade writes the same grading block into report.json and shard.json.
"""
from __future__ import annotations

import csv
import json
import pathlib

import pytest

from aifund.grader import __main__ as grader_main
from aifund.grader import shards
from aifund.grader.config import load_config
from aifund.grader.report import grade, grading_context, write_class_summary, write_reports
from aifund.grader.run import Outcome

ITEMS = ["act.sigmoid.values", "act.relu.values", "loss.mse.values"]
PASSED = {"items": {i: {"status": "pass", "message": ""} for i in ITEMS}}


def config(tmp_path: pathlib.Path, text: str | None):
    if text is None:
        return load_config(None)
    path = tmp_path / f"course-{abs(hash(text))}.toml"
    path.write_text(text)
    return load_config(path)


def shard(out: pathlib.Path, i: int, n: int, names: list[str], everyone: list[str], cfg, only=ITEMS):
    """What ./grade --shard I/N writes for these names (every item passes)."""
    subs = out.parent / "submissions"
    subs.mkdir(exist_ok=True)
    for x in everyone:
        (subs / f"{x}.py").touch()
    shards.write_manifest(out, i, n, [subs / f"{x}.py" for x in everyone], [subs / f"{x}.py" for x in names],
                          grading_context(cfg, only))
    for name in names:
        write_reports(grade(name, Outcome(report=PASSED), cfg, only), out / name)
    return out


def merge(*args):
    return grader_main.main(["--merge", *map(str, args)])


def test_merge_refuses_a_shard_graded_with_another_course_config_naming_the_difference(tmp_path, capsys):
    plain, weighted = config(tmp_path, None), config(tmp_path, '[weights]\n"act.relu." = 3.0\n')
    one = shard(tmp_path / "s1", 1, 2, ["alice"], ["alice", "bob"], plain)
    two = shard(tmp_path / "s2", 2, 2, ["bob"], ["alice", "bob"], weighted)
    assert merge(one, two, "--out", tmp_path / "merged") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "shard 2/2" in err[0] and "another course config" in err[0], err
    assert "weights of act.relu.values differ" in err[0] and "--merge-mixed" in err[0], err
    assert not (tmp_path / "merged").exists()
    # told to, it merges, says what differs, and class.csv tells the two apart
    assert merge(one, two, "--out", tmp_path / "merged", "--merge-mixed") == 0
    assert "weights of act.relu.values differ" in capsys.readouterr().out
    rows = list(csv.DictReader(open(tmp_path / "merged" / "class.csv", newline="")))
    assert [r["submission"] for r in rows] == ["alice", "bob"]
    assert rows[0]["graded_with"] != rows[1]["graded_with"]


@pytest.mark.parametrize("second, only, words", [
    ('[limits]\nmax_examples = 8\n', ITEMS, "another Hypothesis profile"),
    ('[limits]\nitem_timeout = 30\n', ITEMS, "[limits] item_timeout 30 vs 60"),
    ('hidden = ["loss."]\n', ITEMS, "hidden items differ: loss.mse.values"),
    ('[sections]\n"5" = 2.0\n', ITEMS, "weights of act.relu.values, act.sigmoid.values differ"),
    (None, ["act.", "loss.mse.values"], "another item selection"),
    ('framework = "torch"\n', ITEMS, 'another framework ("torch" vs "tinygrad")'),
    ('[shortcuts]\nallowed = false\n', ITEMS, "another course config ([shortcuts]"),
])
def test_every_part_of_the_grading_context_is_compared(tmp_path, capsys, second, only, words):
    one = shard(tmp_path / "s1", 1, 2, ["alice"], ["alice", "bob"], config(tmp_path, None))
    two = shard(tmp_path / "s2", 2, 2, ["bob"], ["alice", "bob"], config(tmp_path, second), only)
    assert merge(one, two, "--out", tmp_path / "merged") == 2
    assert words in capsys.readouterr().err


def test_a_report_edited_after_grading_is_compared_by_content_and_an_empty_shard_counts(tmp_path, capsys):
    cfg = config(tmp_path, None)
    one = shard(tmp_path / "s1", 1, 3, ["alice"], ["alice", "bob"], cfg)
    two = shard(tmp_path / "s2", 2, 3, ["bob"], ["alice", "bob"], cfg)
    three = shard(tmp_path / "s3", 3, 3, [], ["alice", "bob"], config(tmp_path, '[limits]\nmax_score = 10\n'))
    assert merge(one, two, three, "--out", tmp_path / "m") == 2     # a shard with no submissions: its shard.json
    assert "shard 3/3" in capsys.readouterr().err
    three = shard(tmp_path / "t3", 3, 3, [], ["alice", "bob"], cfg)
    assert merge(one, two, three, "--out", tmp_path / "m") == 0
    capsys.readouterr()
    report = json.loads((two / "bob" / "report.json").read_text())
    report["grading"]["kit"] = "0.0.1"                               # the fingerprint left as it was
    (two / "bob" / "report.json").write_text(json.dumps(report))
    assert merge(one, two, three, "--out", tmp_path / "m") == 2
    assert "bob was graded with another kit version" in capsys.readouterr().err
    del report["grading"]                                           # a report of a kit before fingerprints
    (two / "bob" / "report.json").write_text(json.dumps(report))
    assert merge(one, two, three, "--out", tmp_path / "m") == 2
    assert "no grading fingerprint" in capsys.readouterr().err


def test_merge_mixed_needs_merge(capsys):
    assert grader_main.main(["--merge-mixed", "x.py"]) == 2
    assert "--merge-mixed goes with --merge" in capsys.readouterr().err


def test_class_csv_gives_each_sections_points_and_maximum(tmp_path):
    cfg = config(tmp_path, '[weights]\n"act.sigmoid.values" = 3.0\n"loss.mse.values" = 2.0\n')
    half = {"items": {"act.sigmoid.values": {"status": "pass", "message": ""},
                      "act.relu.values": {"status": "fail", "message": "wrong"},
                      "loss.mse.values": {"status": "missing", "message": "no mse"}}}
    result = grade("=alice", Outcome(report=half), cfg, ITEMS)
    write_class_summary([result], tmp_path / "class.csv")
    (row,) = csv.DictReader(open(tmp_path / "class.csv", newline=""))
    sections = {i["section"] for i in result["items"]}
    assert len(sections) == 2, sections
    total = 0.0
    for s in sections:
        earned = sum(i["score"] for i in result["items"] if i["section"] == s)
        most = sum(i["weight"] for i in result["items"] if i["section"] == s)
        assert float(row[f"section_{s}"]) == earned and float(row[f"section_{s}_max"]) == most, (s, row)
        total += float(row[f"section_{s}_max"])
    # the maxima add up to the weights' total, which score scales to max_score
    assert float(row["score"]) == pytest.approx(float(row["max_score"]) * 3.0 / total, abs=0.01)
    assert row["submission"].startswith("'") and row["graded_with"] == result["grading"]["fingerprint"]
