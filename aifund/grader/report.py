"""From the conformance report to a grade: per-item score, and the files students and staff read.

The item statuses are the conformance report's own (aifund.verdict, one rule
for both). Only "pass" earns an item's weight. An item with no result (the
grade ran out of time, or the submission could not be copied) is an error
that says why, and still counts in the total.

Everything read from the conformance report or the submission (messages,
output, integrity records, file names) is untrusted text: grade() passes it
through aifund.untrusted as it enters the result, and the writers render it
inert (code spans and blocks in Markdown, plain text in results.json, cells
that no spreadsheet reads as a formula in class.csv).
"""
from __future__ import annotations

import csv
import json
import pathlib
import platform
import xml.etree.ElementTree as ET
from importlib.metadata import version

from aifund import shortcuts, untrusted
from aifund.verdict import NOT_RUN, STATUSES
from aifund.grader import fingerprint
from aifund.grader.config import CourseConfig
from aifund.grader.run import Outcome
from aifund.spec import load_items, matches

ITEMS = load_items()
MESSAGE_LIMIT = 10_000     # an item's message as the kit reports it (its own cap, and the test's id)
PROBLEM_LIMIT = 5_000
OUTPUT_LIMIT = 70_000      # the worker's output as the kit keeps it (64 KiB, a note, escapes)
EXPLAIN = {
    "pass": "passed",
    "fail": "a result was wrong",
    "error": "the implementation raised or crashed, or no result arrived",
    "timeout": "a test outran its time limit (an endless loop, or far too slow)",
    "not implemented": "the submission raises NotImplementedError here: not written yet",
    "missing": "the submission does not define a name this item needs",
    "skipped": "skipped (a skip is not a pass)",
    "not applicable": "an item of another framework than the course's: not checked, worth nothing",
}


def versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("tinygrad", "torch", "numpy", "hypothesis", "pytest"):
        try:
            out[package] = version(package)
        except Exception:  # noqa: BLE001
            out[package] = "not installed"
    out["kit"] = version_of_kit()
    return out


def version_of_kit() -> str:
    from aifund import __version__
    return __version__


def selected(only) -> dict:
    """The graded items of a selection: items that check the guide itself (they never call the implementation)
    are no part of a grade, so they can give no credit."""
    graded = {i: item for i, item in ITEMS.items() if item.checks_implementation}
    if not only:
        return graded
    return {i: item for i, item in graded.items() if any(matches(i, w) for w in only)}


def grading_context(config: CourseConfig, only) -> dict:
    """What this grade was graded with (grader/fingerprint.py), in report.json and shard.json alike."""
    return fingerprint.context(config, only, selected(only), version_of_kit())


def item_results(outcome: Outcome, only=None) -> dict:
    """{item id: (status, message)} over the selected spec items."""
    reported = _report_of(outcome).get("items")
    reported = reported if type(reported) is dict else {}
    problem = untrusted.text(outcome.problem, PROBLEM_LIMIT)
    out = {}
    for item_id in selected(only):
        entry = reported.get(item_id)
        if type(entry) is not dict or entry.get("status") not in STATUSES:
            out[item_id] = ("error", problem or "no result arrived for this item")
        elif entry["status"] == "skipped" and entry.get("message") == NOT_RUN:
            out[item_id] = ("error", problem or "no test of this item ran (the grading process ended early)")
        else:
            message = untrusted.text(entry.get("message"), MESSAGE_LIMIT) if entry["status"] != "pass" else ""
            out[item_id] = (entry["status"], message)
    return out


def _report_of(outcome: Outcome) -> dict:
    return outcome.report if type(outcome.report) is dict else {}


def reported_items(outcome: Outcome) -> dict:
    items = _report_of(outcome).get("items")
    return items if type(items) is dict else {}


def grade(name: str, outcome: Outcome, config: CourseConfig, only=None) -> dict:
    statuses = item_results(outcome, only)
    items, total, earned = [], 0.0, 0.0
    for item_id, item in selected(only).items():
        status, message = statuses[item_id]
        weight = config.weight(item)
        if not config.applies(item):        # the course's framework decides, whatever the report says
            status, message, weight = "not applicable", EXPLAIN["not applicable"], 0.0
        score = weight if status == "pass" else 0.0
        total += weight
        earned += score
        entry = {"id": item_id, "section": item.section, "title": item.title, "status": status,
                 "message": message, "weight": weight, "score": score, "hidden": config.is_hidden(item_id)}
        used = shortcuts.clean((reported_items(outcome).get(item_id) or {}).get("shortcuts"))
        if used:
            entry["shortcuts"] = used       # what the worker observed its tests using (a claim, never credit)
        items.append(entry)
    max_score = config.limits.max_score
    report = _report_of(outcome)
    notes = outcome.notes if isinstance(outcome.notes, list) else []
    restarts = report.get("worker_restarts")
    return untrusted.json_safe({
        "submission": untrusted.text(name, 200), "score": round(max_score * earned / total, 2) if total else 0.0,
        "max_score": max_score, "items": items, "seconds": round(outcome.seconds, 1),
        "sandbox": untrusted.text(outcome.sandbox or "not started", 500), "limits": outcome.limits,
        "problem": untrusted.text(outcome.problem, PROBLEM_LIMIT),
        "copy_notes": [untrusted.text(n, 500) for n in notes[:100]],
        "integrity": untrusted.records(report.get("integrity"), 100),
        "shortcuts": {"policy": config.shortcuts.words(), "watched": config.framework in shortcuts.WATCHED,
                      "used": sorted({n for i in items for n in i.get("shortcuts", {})})},
        "output": untrusted.text(report.get("output"), OUTPUT_LIMIT),
        "worker_restarts": restarts if type(restarts) is int else 0, "versions": versions(),
        "grading": grading_context(config, only),
        "summary": {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}})


def visible_message(item: dict) -> str:
    if item["hidden"]:
        return "hidden until the grades are released"
    return item["message"] or ""


def feedback_markdown(result: dict) -> str:
    md = untrusted.markdown
    lines = [f"# Feedback: {md(result['submission'])}", "",
             f"**Score: {result['score']:g} / {result['max_score']:g}**  "
             f"({result['summary']['pass']} of {len(result['items'])} spec items pass; graded in {result['seconds']:g} s)", "",
             "| item | § | status | points |", "|---|---|---|---|"]
    for i in result["items"]:
        status = "hidden" if i["hidden"] else i["status"]
        lines.append(f"| `{i['id']}` | {i['section']} | {status} | {i['score']:g} / {i['weight']:g} |")
    problems = [i for i in result["items"] if i["status"] != "pass" and not i["hidden"]]
    if problems:
        lines += ["", "## What to fix", ""]
        for i in problems:
            lines += [f"### `{i['id']}` (guide section {i['section']}): {i['title']}", "",
                      f"Status: **{i['status']}** ({EXPLAIN[i['status']]}).", "",
                      untrusted.markdown_block(i["message"].strip(), 3000), ""]
    used = [i for i in result["items"] if i.get("shortcuts") and not i["hidden"]]
    if used:
        policy = (result.get("shortcuts") or {}).get("policy", "allowed and reported")
        lines += ["", f"## Library shortcuts (this course: {untrusted.text(policy, 300, lines=False)})", "",
                  "Seen while your code ran (each item's test, and the calls that did the work for it):", ""]
        lines += [f"- `{i['id']}`: " + "; ".join(f"{name} ({', '.join(md(c) for c in calls)})"
                                                for name, calls in i["shortcuts"].items()) for i in used]
    if result.get("problem"):
        lines += ["", "**Note:**", "", untrusted.markdown_block(result["problem"], PROBLEM_LIMIT)]
    if result.get("copy_notes"):
        lines += ["", "Files of the submission that were not used:", ""] + [f"- {md(n)}" for n in result["copy_notes"]]
    hidden = [i for i in result["items"] if i["hidden"]]
    if hidden:
        lines += ["", f"{len(hidden)} further items are graded but hidden until release."]
    v = result["versions"]
    lines += ["", f"Graded with kit {v['kit']}, Python {v['python']}, tinygrad {v['tinygrad']}, torch {v['torch']}, "
                  f"numpy {v['numpy']}, hypothesis {v['hypothesis']} (derandomised)."]
    return "\n".join(lines) + "\n"


def gradescope_json(result: dict) -> dict:
    tests = []
    for i in result["items"]:
        tests.append({"name": f"{i['id']}: {i['title']}", "number": i["id"], "score": i["score"],
                      "max_score": i["weight"], "status": "passed" if i["status"] == "pass" else "failed",
                      "output": untrusted.text(f"{i['status']}: {i['message']}" if i["message"] else i["status"],
                                               5000),
                      "output_format": "text", "visibility": "after_published" if i["hidden"] else "visible"})
    total = sum(i["weight"] for i in result["items"])
    scale = result["max_score"] / total if total else 0.0
    for t in tests:
        t["score"], t["max_score"] = round(t["score"] * scale, 4), round(t["max_score"] * scale, 4)
    # Plain text everywhere (Gradescope's default format renders some HTML): a submission's text is shown
    # as it is, never as markup or a link.
    return {"score": result["score"], "execution_time": result["seconds"], "visibility": "visible",
            "output": f"{result['summary']['pass']} of {len(result['items'])} spec items pass",
            **TEXT_FORMAT, "tests": tests}


TEXT_FORMAT = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}


def junit_xml(result: dict) -> bytes:
    suite = ET.Element("testsuite", name="conformance", tests=str(len(result["items"])),
                       failures=str(sum(1 for i in result["items"] if i["status"] in ("fail", "missing", "not implemented"))),
                       errors=str(sum(1 for i in result["items"] if i["status"] in ("error", "timeout"))),
                       skipped=str(sum(1 for i in result["items"] if i["status"] in ("skipped", "not applicable"))),
                       time=str(result["seconds"]))
    for i in result["items"]:
        case = ET.SubElement(suite, "testcase", classname=f"section{i['section']}", name=i["id"])
        # A missing or not-implemented item is a failure (it earns nothing); only a skip (or an item of another
        # framework, "not applicable") is a skip.
        tag = {"fail": "failure", "error": "error", "timeout": "error", "missing": "failure", "not implemented": "failure",
               "skipped": "skipped", "not applicable": "skipped"}.get(i["status"])
        if tag:
            ET.SubElement(case, tag, message=i["status"]).text = i["message"] or EXPLAIN[i["status"]]
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="utf-8", xml_declaration=True)


def write_reports(result: dict, out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "feedback.md").write_text(feedback_markdown(result), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(gradescope_json(result), indent=2) + "\n", encoding="utf-8")
    (out / "junit.xml").write_bytes(junit_xml(result))


def _section_order(section: str):
    return (0, int(section), "") if section.isascii() and section.isdigit() and len(section) < 6 else (1, 0, section)


def write_class_summary(results: list[dict], path: pathlib.Path) -> None:
    """Staff's table of the class. Every cell goes through untrusted.csv_cell: names, integrity records and
    whatever a later column holds are one line each and never a spreadsheet formula.

    section_S is the points the submission earned in guide section S and section_S_max the points that
    section can give, both in the course config's weights (the sections' maxima add up to the weights'
    total, which score scales to max_score); graded_with is the grading fingerprint (grader/fingerprint.py)."""
    sections = sorted({i["section"] for r in results for i in r["items"]}, key=_section_order)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)

        def row(cells):
            w.writerow([untrusted.csv_cell(c) for c in cells])

        row(["submission", "score", "max_score", "pass", "fail", "error", "timeout", "not_implemented", "missing",
             "skipped", "not_applicable", "seconds", "integrity_flags", "problem", "graded_with",
             *[c for s in sections for c in (f"section_{s}", f"section_{s}_max")]])
        for r in results:
            per = {s: [i for i in r["items"] if i["section"] == s] for s in sections}
            flags = "; ".join(f"{f['kind']}: {f['detail']}" for f in untrusted.records(r.get("integrity")))
            grading = r.get("grading") if isinstance(r.get("grading"), dict) else {}
            s = r["summary"]
            row([r["submission"], r["score"], r["max_score"], s["pass"], s["fail"], s["error"], s.get("timeout", 0),
                 s.get("not implemented", 0), s["missing"], s["skipped"], s.get("not applicable", 0), r["seconds"],
                 untrusted.text(flags, 500), untrusted.text(r.get("problem"), 500),
                 untrusted.text(grading.get("fingerprint", "none"), 40),
                 *[c for sec in sections for c in _points(per[sec])]])


def _points(items: list[dict]) -> tuple:
    """(earned, max) of a section's items; both empty when the submission was not graded on that section."""
    if not items:
        return "", ""
    return (round(sum(i["score"] for i in items), 2),
            round(sum(i["weight"] if isinstance(i.get("weight"), (int, float)) else 0 for i in items), 2))
