"""One rule for an item's status, used by the conformance report and by the grader.

An item is checked by one or more tests; each test reports one of
pass / fail / error / missing / skipped with a message. The item's status is
the worst of them in this order:

    error    something stopped a check (the implementation raised, did not import,
             timed out, or its process died): nothing is known to be right
    fail     a check found a wrong value
    missing  the implementation lacks a name the item needs
    pass     at least one test ran and passed, and no test said anything worse
    skipped  no test of the item ran (deselected, or skipped with a stated reason)

A skipped test next to a passing one does not lower the item: a skip is "not
checked here" (a device gate on another machine, say), not a finding.
"""
from __future__ import annotations

STATUSES = ("pass", "fail", "error", "missing", "skipped")
ORDER = ("error", "fail", "missing", "pass", "skipped")
NOT_RUN = "not run in this session (deselected or not collected)"


def item_status(results: list[tuple[str, str, str]], *, import_failed_prefix: str = "") -> tuple[str, str]:
    """(status, message) of one item from its tests' (status, message, test id) results."""
    if not results:
        return "skipped", NOT_RUN
    for status in ORDER:
        hits = [r for r in results if r[0] == status]
        if not hits:
            continue
        status_, message, test_id = hits[0]
        if status in ("error", "fail") and message and test_id and not (
                import_failed_prefix and message.startswith(import_failed_prefix)):
            message = f"{test_id}: {message}"
        return status, message
    raise ValueError(f"unknown statuses in {sorted({r[0] for r in results})}")


def exit_ok(statuses: list[str], *, partial: bool = False) -> bool:
    """True when no selected item is fail or error, and (unless ``partial``) none is missing."""
    bad = {"fail", "error"} if partial else {"fail", "error", "missing"}
    return not any(s in bad for s in statuses)
