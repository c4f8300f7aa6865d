"""One rule for an item's status, used by the conformance report and by the grader.

An item is checked by one or more tests; each test reports one of the statuses below with a message. The
item's status is the worst of them in this order:

    error            something stopped a check (the implementation raised, did not import, or its process
                     died), or a test of the item never reported (the run ended before it)
    timeout          a test outran its time limit: nothing is known to be wrong or right (never a fail, so a
                     busy machine cannot turn a slow answer into a wrong one)
    fail             a check found a wrong value
    not implemented  the implementation raised NotImplementedError (a starter's name not written yet)
    missing          the implementation lacks a name the item needs
    pass             every test of the item reported, at least one passed, and none said anything worse
    skipped          no test of the item ran (deselected, or skipped with a stated reason)
    not applicable   the item belongs to another framework than the implementation's (the spec item's
                     ``frameworks``): never run, never a pass or a fail, worth nothing in a grade

"not implemented" and "missing" are to-do entries, not findings: --partial forgives both. A skipped test
next to a passing one does not lower the item: a skip is "not checked here", not a finding. This module
decides from statuses only; it never looks at the implementation.
"""
from __future__ import annotations

STATUSES = ("pass", "fail", "error", "timeout", "not implemented", "missing", "skipped", "not applicable")
ORDER = ("error", "timeout", "fail", "not implemented", "missing", "pass", "skipped", "not applicable")
TO_DO = ("not implemented", "missing")
NOT_RUN = "not run in this session (deselected or not collected)"


def item_status(results: list[tuple[str, str, str]], *, import_failed_prefix: str = "",
                expected: list[str] | tuple[str, ...] = ()) -> tuple[str, str]:
    """(status, message) of one item from its tests' (status, message, test id) results.

    ``expected``: the ids of every test that checks the item in this run; one that never reported makes the
    item an error (a run cut short is never a partial pass)."""
    if not results and not expected:
        return "skipped", NOT_RUN
    reported = {r[2] for r in results}
    silent = [t for t in expected if t not in reported]
    if silent:
        more = f" (and {len(silent) - 1} more of its tests)" if len(silent) > 1 else ""
        return "error", (f"{silent[0]}: no result: the run ended before this test reported{more}, "
                         "so the item is not passed")
    for status in ORDER:
        hits = [r for r in results if r[0] == status]
        if not hits:
            continue
        status_, message, test_id = hits[0]
        if status in ("error", "timeout", "fail") and message and test_id and not (
                import_failed_prefix and message.startswith(import_failed_prefix)):
            message = f"{test_id}: {message}"
        return status, message
    raise ValueError(f"unknown statuses in {sorted({r[0] for r in results})}")


def exit_ok(statuses: list[str], *, partial: bool = False) -> bool:
    """True when no selected item is fail, error or timeout, and (unless ``partial``) none is missing or not
    implemented."""
    bad = {"fail", "error", "timeout"} if partial else {"fail", "error", "timeout", *TO_DO}
    return not any(s in bad for s in statuses)
