"""The conformance report as a person reads it at the end of a run (pytest's terminal summary).

Formats the report dict that report.py builds; it decides nothing and never talks to the worker.
"""
from __future__ import annotations

import contextlib
import json

from aifund.kit import shortcuts
from aifund.kit.outcome import IMPORT_FAILED


def _import_failed(report) -> bool:
    """A test report whose item status is the implementation's import failure (outcome.record)."""
    for entry in getattr(report, "user_properties", None) or []:
        if len(entry) == 2 and entry[0] == "conformance":
            data = json.loads(entry[1])
            return data.get("status") == "error" and data.get("message", "").startswith(IMPORT_FAILED)
    return False


@contextlib.contextmanager
def one_import_error(tr):
    """pytest's ERRORS section and short summary, around the conformance table, list a failed import once:
    the first test it ended, with a count of the others (their items are in the table). The error count
    in pytest's closing line is unchanged; with --tb (other than auto) every test is listed as before."""
    errors = tr.stats.get("error", [])
    same = [r for r in errors if _import_failed(r)]
    if len(same) < 2 or tr.config.option.tbstyle != "auto":
        yield
        return
    kept, original = same[0], same[0].longrepr
    tr.stats["error"] = [r for r in errors if r is kept or not _import_failed(r)]
    if isinstance(original, str):
        kept.longrepr = (f"{original}\n(the same import error ended {len(same) - 1} more tests, listed once here; "
                         "the table lists every item; --tb=short lists every test)")
    try:
        yield
    finally:
        tr.stats["error"] = errors
        kept.longrepr = original


def examples_line(conformance, data: dict, failed: bool) -> str:
    seed = data["seed"] if isinstance(data["seed"], str) else f"seed {data['seed']}"
    line = f"hypothesis profile {data['profile']} ({seed})"
    store = conformance.config._example_store
    if store is None:
        return line + "; no example database"
    line += f"; example database {store.describe()}"
    if failed and store.writable:
        line += ": failing cases are kept there, and every run that uses it replays them first until they pass"
    return line


def write_summary(conformance, terminalreporter):
    """The per-item table, every failing item's message in full, and the closing line."""
    if hasattr(conformance.config, "workerinput") or not conformance.results:
        return
    data = conformance.report()
    tr = terminalreporter
    tr.section("conformance by spec item")
    import_errors = {v["message"] for v in data["items"].values()
                     if v["status"] == "error" and v["message"].startswith(IMPORT_FAILED)}
    for message in import_errors:
        tr.write_line(message, red=True, bold=True)
    width = max(len(i) for i in data["items"])
    guide = {i: v for i, v in data["items"].items() if v.get("checks") == "guide"}
    for title, rows in (("", {i: v for i, v in data["items"].items() if i not in guide}),
                        ("checks of the guide itself (the kit's oracles; no implementation involved, no credit):", guide)):
        rows = {i: v for i, v in rows.items() if not (v["status"] == "skipped" and v["message"].startswith("not run"))}
        if title and rows:
            tr.write_line(title)
        for item_id, v in rows.items():
            first = "" if v["message"].startswith(IMPORT_FAILED) else v["message"].splitlines()[0] if v["message"] else ""
            colour = {"pass": "green", "fail": "red", "error": "red", "timeout": "red", "missing": "yellow",
                      "not implemented": "yellow", "not applicable": "cyan"}.get(v["status"])
            line = f"{item_id:<{width}}  §{v['section']:<3} {v['status']:<15} {first[:100]}"
            tr.write_line(line, **({colour: True} if colour else {}))
    problems = [(i, v) for i, v in data["items"].items() if v["status"] in ("fail", "error", "timeout")
                and not v["message"].startswith(IMPORT_FAILED)]
    if problems:
        tr.section("what failed, in full")
        for item_id, v in problems:
            tr.write_line(f"{item_id} ({v['status']}):", bold=True)
            for text_line in v["message"].splitlines():
                tr.write_line("  " + text_line)
            for replay in v.get("examples", []):
                for text_line in replay.get("example", "").splitlines():
                    tr.write_line("  " + text_line)
                if "seed" in replay:
                    tr.write_line(f"  ({replay['test'].split('::')[-1]} drew Hypothesis seed {replay['seed']}: "
                                  f"--hypothesis-seed={replay['seed']} repeats its search)")
    tr.write_line(examples_line(conformance, data, bool(problems)))
    tr.write_line(f"implementation's process: sandbox {data['sandbox']}"
                  + (f"; restarted {data['worker_restarts']} time(s)" if data["worker_restarts"] else ""))
    if data.get("limits"):
        tr.write_line(f"limits enforced: {limits_line(data['limits'])}")
    shortcut_line = shortcuts.line(data)
    if shortcut_line:
        tr.write_line(shortcut_line, **({"yellow": True} if data["shortcuts"]["used"] else {}))
    if data["integrity"]:
        tr.write_line("integrity flags (for a person to read, not a grade): "
                      + "; ".join(f"{f['kind']} {f['detail']}" for f in data["integrity"][:10]), yellow=True)
    s = data["summary"]
    not_run = sum(1 for v in data["items"].values() if v["message"].startswith("not run"))
    tr.write_line(f"conformance: {s['pass']} pass, {s['fail']} fail, {s['error']} error, "
                  f"{s['timeout']} timeout, {s['not implemented']} not implemented, {s['missing']} missing, "
                  f"{s['skipped'] - not_run} skipped, {not_run} not run, "
                  + (f"{s['not applicable']} not applicable, " if s.get("not applicable") else "")
                  + f"of {s['total']} spec items "
                  f"({len(guide)} of them checks of the guide) [{data['impl']}]", bold=True)
    if not data.get("complete", True):
        tr.write_line("the run did not finish: items whose tests did not all report are not passed", red=True)
    if conformance.exit_note:
        tr.write_line(conformance.exit_note, yellow=True)


def limits_line(limits) -> str:
    """One line of the limits a worker ran under (report.json's "limits"; a list with one per test process)."""
    first = limits[0] if isinstance(limits, list) else limits
    each = first.get("per_process", {})
    whole = (f"{first['mechanism']}: memory {first['memory_mb']} MiB and {first['pids']} processes for all of "
             "the implementation's processes together, no swap" if "memory_mb" in first else
             f"{first.get('mechanism')} ({first.get('why_no_cgroup', '')})")
    return (f"{whole}; each process: address space {each.get('address_space_mb')} MiB, CPU "
            f"{each.get('cpu_seconds')} s, files up to {each.get('file_mb')} MiB"
            + (f"; private /tmp {first['tmp_mb']} MiB" if first.get("tmp_mb") else "")
            + (f" (one worker per test process, {len(limits)} here)" if isinstance(limits, list) else ""))
