"""Worker text is data, never a crash; staff files are inert (aifund/untrusted.py and every report writer).

Whatever a submission can put into a report (messages, output, integrity records, names, file names: any
text, lone surrogates, control and bidi characters, megabytes, bytes, wrong types) goes through every
writer (the kit's JSON report and terminal summary, the grader's report.json, feedback.md, junit.xml,
results.json, class.csv and the shard merge), and each writes a file its format's reader parses, with no
CSV cell a spreadsheet reads as a formula and no Markdown, HTML or link of the submission's in effect.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import tempfile
import types
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aifund import untrusted
from aifund.grader import shards
from aifund.grader.config import load_config
from aifund.grader.report import grade, write_class_summary, write_reports
from aifund.grader.run import Outcome
from aifund.kit import terminal
from aifund.kit.report import Conformance

ITEM_IDS = ["act.sigmoid.values", "act.relu.values", "loss.mse.values"]
FORMULA = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\ud800-\udfff\ufffe\uffff]")
HUGE = "\ud800\u202e\x00=" * 50_000 + "x" * 1_000_000
PAYLOADS = ["\ud800", "\udcff.py", "a\x00b", "\x1b[2J\x1b[31mred", "\u202eevil\u202c",
            "=HYPERLINK(\"http://x.example/?\"&A1,\"c\")", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", " =1", "\uff1d1",
            "```\n# injected\n```", "</code><script>x</script>",
            "[click](http://evil.example)", "<http://evil.example>", "www.evil.example", "\r\n\r", "\ufffe\uffff",
            "`", "``x``", HUGE]


class Hostile:
    def __str__(self):
        raise RuntimeError("str of a hostile object")

    def __format__(self, spec):
        raise RuntimeError("format of a hostile object")

    def __repr__(self):          # for Hypothesis' report of a failing example
        return "Hostile()"


texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)
values = st.one_of(texts, st.sampled_from(PAYLOADS), texts.map(lambda t: "=" + t), st.binary(max_size=200),
                   st.integers(), st.floats(), st.none(), st.booleans(), st.lists(texts, max_size=3),
                   st.dictionaries(texts, texts, max_size=3), st.just(Hostile()), st.just(10 ** 5000))


def utf8(path: pathlib.Path) -> str:
    return path.read_bytes().decode("utf-8")      # strict: a writer must produce valid UTF-8


def strict_json(path: pathlib.Path):
    def no_constant(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(utf8(path), parse_constant=no_constant)


def formula_cells(path: pathlib.Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [c for row in csv.reader(f) for c in row if c.startswith(FORMULA) or c.lstrip().startswith(FORMULA)]


CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")


def outside_code(markdown: str) -> str:
    """The Markdown text that is not in a fenced code block or a code span (CommonMark's rules for these)."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip(fence[0] + " "):
                fence = None
        else:
            out.append(CODE_SPAN.sub("", line))
    return "\n".join(out)


# ------------------------------------------------------------------------------ the rule itself

@settings(max_examples=200, derandomize=True, deadline=None)
@given(values, st.integers(1, 400), st.booleans())
def test_text_is_bounded_printable_utf8_and_stable(value, limit, lines):
    out = untrusted.text(value, limit, lines=lines)
    assert type(out) is str and len(out) <= limit
    out.encode("utf-8")
    assert not UNSAFE.search(out), ascii(out)
    assert lines or ("\n" not in out and "\t" not in out)
    assert untrusted.text(out, limit, lines=lines) == out
    cell = untrusted.csv_cell(value)
    assert not cell.startswith(FORMULA) and not cell.lstrip().startswith(FORMULA) and "\n" not in cell


def test_text_says_what_it_cut_and_keeps_plain_text():
    assert untrusted.text("plain\ttext\nlines") == "plain\ttext\nlines"
    assert untrusted.text("a\r\nb\rc") == "a\nb\nc"
    assert untrusted.text("a\x00\x1b\u202e\ud800") == "a\\x00\\x1b\\u202e\\ud800"
    cut = untrusted.text("x" * 100_000, 1000)
    assert cut.startswith("x" * 900) and cut.endswith("x\n... (99028 characters cut)") and len(cut) <= 1000
    assert untrusted.text(b"ok \xff") == "ok \\xff"
    assert untrusted.text(None) == "" and untrusted.text(3) == "3"
    assert untrusted.text(Hostile()) == "<Hostile value>"
    assert untrusted.csv_cell('=HYPERLINK("http://x")') == "'=HYPERLINK(\"http://x\")"
    assert untrusted.csv_cell("alice") == "alice" and untrusted.csv_cell(12.5) == "12.5"
    assert untrusted.csv_cell("") == "" and untrusted.csv_cell("  ") == "  "


@pytest.mark.parametrize("payload", PAYLOADS[:-1])
def test_markdown_keeps_submission_text_inert(payload):
    span = untrusted.markdown(payload)
    block = untrusted.markdown_block(payload + "\n" + payload)
    assert outside_code(f"before {span} after") == "before  after"
    assert outside_code(f"before\n{block}\nafter") == "before\nafter"


# ------------------------------------------------------------------------------ the kit's writers

class FakeConfig:
    """What Conformance reads of pytest's config, for a controlling process (no pytest-xdist worker)."""

    def __init__(self, folder: pathlib.Path, impl: str):
        self.options = {"--conformance-json": str(folder / "conformance.json"), "--impl": impl}
        self.invocation_params = types.SimpleNamespace(dir=folder)
        self._example_store = None
        self._hypothesis_profile = "grading"

    def getoption(self, name, default=None):
        return self.options.get(name, default)


class FakeTerminal:
    def __init__(self):
        self.lines: list[str] = []

    def section(self, title, **_):
        self.lines.append(title)

    def write_line(self, line, **_):
        self.lines.append(line)


def carried(value):
    """``value`` as JSON carries it: one JSON cannot carry arrives as some other JSON value."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return ["not JSON"]


def test_reported(nodeid: str, **data) -> types.SimpleNamespace:
    # What travels is JSON (from a pytest-xdist worker too).
    wire = json.dumps({k: carried(v) for k, v in data.items()})
    return types.SimpleNamespace(nodeid=nodeid, user_properties=[("conformance", wire)])


test_reported.__test__ = False


def kit_run(folder: pathlib.Path, message, flag, output, sandbox, example) -> Conformance:
    """A conformance report of a submission (a file named with invalid UTF-8) whose text is these values."""
    impl = os.fsdecode(os.fsencode(folder) + b"/sub\xff\xfe.py")
    pathlib.Path(impl).write_text("import torch  # '/reference tests/'\n", encoding="utf-8")
    conformance = Conformance(FakeConfig(folder, impl))
    conformance._written = float("inf")                 # written once, below, not as results arrive
    for status, item in zip(("fail", "error"), ITEM_IDS):
        conformance.add(test_reported(f"tests/conformance/test_x.py::test_{status}", items=[item], status=status,
                                      message=message, test="t", example=example))
    conformance.add(test_reported("tests/conformance/test_x.py::test_ok", items=[ITEM_IDS[2]], status="pass",
                                  message=""))
    conformance.workers = [{"sandbox": sandbox, "flags": [{"kind": flag, "detail": flag}, flag], "restarts": 1,
                            "output": output}]
    return conformance


@settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(values, values, values, values, values)
def test_every_kit_writer_takes_any_text(message, flag, output, sandbox, example):
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        conformance = kit_run(folder, message, flag, output, sandbox, example)
        conformance.write_json()
        report = strict_json(folder / "conformance.json")
        assert report["items"][ITEM_IDS[0]]["status"] == "fail"
        assert report["items"][ITEM_IDS[2]]["status"] == "pass"
        assert any("sub\\udcff\\udcfe.py" in f["detail"] for f in report["integrity"]), report["integrity"]
        tr = FakeTerminal()
        terminal.write_summary(conformance, tr)
        assert any(line.startswith("conformance: 1 pass, 1 fail, 1 error") for line in tr.lines), tr.lines
        for line in tr.lines:
            line.encode("utf-8")
            assert not UNSAFE.search(line), ascii(line)


def test_a_lone_surrogate_in_a_message_does_not_stop_the_kit_report(tmp_path):
    """The issue's first attack: before the text rule, json.dumps(ensure_ascii=False) kept the surrogate and
    writing the report raised UnicodeEncodeError (pytest INTERNALERROR; the report kept its earlier passes)."""
    conformance = kit_run(tmp_path, "wrong \ud800 value", "ok", "", "bubblewrap", "")
    conformance.write_json()
    report = strict_json(tmp_path / "conformance.json")
    assert report["items"][ITEM_IDS[0]] == {**report["items"][ITEM_IDS[0]], "status": "fail"}
    assert "wrong \\ud800 value" in report["items"][ITEM_IDS[0]]["message"]


# ------------------------------------------------------------------------------ the grader's writers

CONFIG = load_config(None)


def grader_files(folder: pathlib.Path, result: dict) -> dict:
    write_reports(result, folder / "sub")
    write_class_summary([result], folder / "class.csv")
    files = {"report": strict_json(folder / "sub" / "report.json"),
             "results": strict_json(folder / "sub" / "results.json"),
             "junit": ET.fromstring((folder / "sub" / "junit.xml").read_bytes()),
             "feedback": utf8(folder / "sub" / "feedback.md")}
    assert formula_cells(folder / "class.csv") == []
    return files


@settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(values, values, values, values, values, values)
def test_every_grader_writer_and_the_merge_take_any_text(message, flag, output, problem, note, name):
    kit = {"items": {ITEM_IDS[0]: {"status": "fail", "message": message},
                     ITEM_IDS[1]: {"status": "error", "message": problem},
                     ITEM_IDS[2]: {"status": "pass", "message": message}},
           "integrity": [{"kind": flag, "detail": flag}, flag], "output": output, "sandbox": note,
           "worker_restarts": flag}
    outcome = Outcome(report=kit, problem=problem if isinstance(problem, str) else "", notes=[note, name],
                      sandbox=note)
    result = grade(name, outcome, CONFIG, ITEM_IDS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        files = grader_files(folder, result)
        assert files["report"]["score"] == pytest.approx(100 / 3, abs=0.01)
        assert [t["output_format"] for t in files["results"]["tests"]] == ["text"] * 3
        assert files["results"]["output_format"] == "text"
        assert len(files["junit"].findall("testcase")) == 3
        loose = outside_code(files["feedback"])
        assert not re.search(r"<|\]\(|://|www\.", loose), loose
        # The merge reads report.json files that anyone could have written: wrong types and text included.
        shard = folder / "shard"
        forged = dict(files["report"], submission="bob",
                      integrity=carried([flag, {"kind": message, "detail": output}]))
        forged["items"] = [dict(i, message=carried(message), title=carried(problem)) for i in forged["items"]]
        (shard / "bob").mkdir(parents=True)
        (shard / "bob" / "report.json").write_text(json.dumps(forged), encoding="utf-8")
        merged = shards.read_shards([shard])
        write_class_summary(merged, folder / "merged.csv")
        assert formula_cells(folder / "merged.csv") == []


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.startswith(FORMULA) or p.lstrip().startswith(FORMULA)])
def test_an_integrity_record_is_never_a_live_formula(tmp_path, payload):
    """The issue's fourth attack: an integrity record starting with '=' was copied into class.csv verbatim."""
    outcome = Outcome(report={"items": {}, "integrity": [{"kind": "replaced", "detail": payload}]})
    result = grade(payload, outcome, CONFIG, ITEM_IDS)
    write_class_summary([result], tmp_path / "class.csv")
    assert formula_cells(tmp_path / "class.csv") == []
    row = next(csv.DictReader(open(tmp_path / "class.csv", newline="", encoding="utf-8")))
    assert row["submission"] != payload and "replaced: " in row["integrity_flags"]   # kept, made inert


@pytest.mark.parametrize("bad", [
    {"score": float("nan")}, {"score": 1e308 * 10}, {"seconds": True}, {"items": [{"id": "a", "section": "x",
                                                                                   "score": 1, "status": "pass"}]},
])
def test_the_merge_refuses_a_report_with_numbers_or_sections_no_csv_should_hold(tmp_path, bad):
    good = {"submission": "bob", "score": 1, "max_score": 100, "seconds": 1.0, "items": [],
            "summary": {s: 0 for s in ("pass", "fail", "error", "missing", "skipped")}}
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "report.json").write_text(json.dumps({**good, **bad}), encoding="utf-8")
    with pytest.raises(shards.ShardError, match="is not a grade report"):
        shards.read_shards([tmp_path])
    (tmp_path / "bob" / "report.json").write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(shards.ShardError, match="is not a grade report"):
        shards.read_shards([tmp_path])
