"""Outcomes to statuses: one phase of one test becomes (status, message) for its spec items, attached to the report.

Reads pytest's reports and exceptions only; it never talks to the worker.
"""
from __future__ import annotations

import json

import pytest

from aifund import untrusted
from aifund.remote import ImplementationRaised, NotImplementedYet, WorkerGone
from aifund.kit.check import ConformanceFailure
from aifund.kit.limits import TIMEOUT_HINT, ItemTimeout, limit_of
from aifund.kit.selection import spec_ids

MISSING_PREFIX = "missing:"
NOT_APPLICABLE_PREFIX = "not applicable:"
IMPORT_FAILED = "the implementation under test failed to import: "
MESSAGE_LIMIT = 4000
RECORD_LIMIT = 2 * MESSAGE_LIMIT    # any message, as it enters the report (an import failure's is not cut before)


def first_lines(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return untrusted.text(text.strip(), limit)


def skip_reason(report) -> str:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def classify(report, call) -> tuple[str, str] | None:
    """(status, message) for one phase of one test, or None when the phase says nothing."""
    if report.when == "setup":
        if report.skipped:
            reason = skip_reason(report)
            if reason.startswith(MISSING_PREFIX):
                return "missing", reason[len(MISSING_PREFIX):].strip()
            if reason.startswith(NOT_APPLICABLE_PREFIX):
                return "not applicable", reason[len(NOT_APPLICABLE_PREFIX):].strip()
            return "skipped", reason
        if report.failed:
            exc = call.excinfo.value if call.excinfo else None
            if isinstance(exc, pytest.fail.Exception) and str(exc).startswith(IMPORT_FAILED):
                return "error", str(exc)
            return "error", first_lines(f"test setup failed: {call.excinfo.exconly() if call.excinfo else report.longreprtext}")
        return None
    if report.when == "call":
        if report.passed:
            return "pass", ""
        if report.skipped:
            return "skipped", skip_reason(report)
        excinfo = call.excinfo
        exc = excinfo.value if excinfo else None
        if isinstance(exc, ConformanceFailure):
            return "fail", first_lines(str(exc))
        text = excinfo.exconly() if excinfo else report.longreprtext
        if isinstance(exc, WorkerGone):
            if exc.kind == "timeout":
                limit = limit_of(call_item(report))
                return "timeout", first_lines(f"timed out: {exc} (the test's limit is {limit:g} s; {TIMEOUT_HINT})")
            return "error", first_lines(str(exc))
        if isinstance(exc, ItemTimeout):
            return "timeout", f"timed out: {exc} ({TIMEOUT_HINT})"
        if isinstance(exc, NotImplementedYet):
            # A starter's name not written yet: a to-do entry, never credit (trusting the claim gains nothing).
            return "not implemented", first_lines(f"not written yet: the implementation raised {exc}")
        if isinstance(exc, ImplementationRaised):
            return "error", first_lines(f"the implementation raised {exc}{input_note(exc)}")
        if isinstance(exc, AssertionError):
            return "fail", first_lines(text)
        return "error", first_lines(f"could not check the implementation's answer: {text}\n{kit_frame(excinfo)}")
    if report.failed:  # teardown
        return "error", first_lines(f"teardown failed: {report.longreprtext}")
    return None


def kit_frame(excinfo) -> str:
    if not excinfo:
        return ""
    frames = [e for e in excinfo.traceback if "site-packages" not in str(e.path)]
    if frames:
        e = frames[-1]
        return f"  at {e.path}:{e.lineno + 1}"
    return ""


def input_note(exc) -> str:
    notes = getattr(exc, "__notes__", None) or []
    return ("\n" + "\n".join(notes)) if notes else ""


_ITEMS_BY_NODEID: dict = {}


def call_item(report):
    return _ITEMS_BY_NODEID.get(report.nodeid)


def expect(items) -> None:
    """Remember which collected tests check which items; the first report of this process carries it."""
    _EXPECTED.clear()
    _EXPECTED.update({it.nodeid: list(spec_ids(it)) for it in items if spec_ids(it)})
    _EXPECTED_SENT.clear()


_EXPECTED: dict = {}
_EXPECTED_SENT: list = []


def record(item, call, report):
    """Attach the item status of this phase to the test's report (it travels back from pytest-xdist workers).

    The first report of each process also carries every collected test's items (``expected``), so the
    controlling process knows which tests each item waits for, even where it collected none itself."""
    _ITEMS_BY_NODEID[item.nodeid] = item
    if _EXPECTED and not _EXPECTED_SENT:
        report.user_properties.append(("conformance-expected", json.dumps(_EXPECTED)))
        _EXPECTED_SENT.append(True)
    ids = spec_ids(item)
    if not ids:
        return
    verdict = classify(report, call)
    if verdict:
        status, message = verdict
        # The one place a test's message enters the report: the implementation's text in it is made safe
        # here, before it is serialised (json, pytest-xdist's wire) or written anywhere.
        data = {"items": ids, "status": status, "message": untrusted.text(message, RECORD_LIMIT)}
        if report.when == "call" and getattr(item, "_aifund_shortcuts", None):
            data["shortcuts"] = item._aifund_shortcuts    # what the worker observed this test using (a claim)
        if status in ("fail", "error", "timeout") and report.when == "call":
            data.update(replay_of(item, call))
        if (status == "not implemented" or message.startswith(IMPORT_FAILED)) and item.config.option.tbstyle == "auto":
            # An expected state of work in progress: one line, not a traceback through the kit (--tb shows it).
            report.longrepr = f"[{', '.join(ids)}] {status}: {message.splitlines()[0] if message else ''}"
        report.user_properties.append(("conformance", json.dumps(data)))


# "Failing test case: test_x(...)" (and "Failing explicit example" for an @example); older Hypothesis
# wrote "Falsifying example" / "Falsifying explicit example".


# "Failing test case: test_x(...)" (and "Failing explicit example" for an @example); older Hypothesis
# wrote "Falsifying example" / "Falsifying explicit example".
_EXAMPLE_NOTE = ("Failing test case", "Failing explicit example", "Falsifying example", "Falsifying explicit example")


def falsifying_example(call) -> str | None:
    """Hypothesis' "Failing test case: test_x(z=...)" for a failed test: the call with the arguments that
    failed (the fixture impl left out), for a person to read and rerun. Hypothesis attaches it to the
    exception it raises as a note (PEP 678), the text pytest prints under the traceback."""
    exc = call.excinfo.value if call.excinfo else None
    notes = [n for n in getattr(exc, "__notes__", None) or [] if isinstance(n, str) and n.startswith(_EXAMPLE_NOTE)]
    if not notes:
        return None
    return "\n".join(line for line in notes[-1].splitlines() if not line.strip().startswith("impl=")).strip()


def replay_of(item, call) -> dict:
    """What reproduces one failed test: its falsifying example, and Hypothesis' seed where it chose one."""
    out = {"test": item.nodeid}
    example = falsifying_example(call)
    if example:
        out["example"] = untrusted.text(example, MESSAGE_LIMIT)
    test = getattr(item, "obj", None)
    seed = getattr(getattr(test, "__func__", test), "_hypothesis_internal_use_generated_seed", None)
    if seed is not None:   # only in a random profile without --hypothesis-seed: each test draws its own
        out["seed"] = seed
    return out
