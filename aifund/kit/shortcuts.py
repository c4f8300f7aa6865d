"""Library shortcuts in a conformance run: the options (--shortcuts, --allow-shortcut), reading after each test
what the worker observed, and failing the test where the run forbids what it used. The worker's observation
is a claim, so it only ever counts against the implementation: a shortcut it reports is reported (and, when
forbidden, fails the item); one it leaves out is not seen (docs/observations.md says what can hide one).
"""
from __future__ import annotations

import pytest

from aifund import shortcuts
from aifund.kit.check import ConformanceFailure
from aifund.kit.selection import spec_ids


def add_options(group):
    group.addoption("--shortcuts", default="report", choices=("report", "forbid"),
                    help="library shortcuts (torch.sigmoid, torch.nn.Linear, F.conv2d, torch.optim.Adam...) the "
                         "implementation is seen calling in the worker: report them (default), or forbid them (the "
                         "item whose test used one fails). Watched in --framework torch runs")
    group.addoption("--allow-shortcut", default=None, metavar="NAME,NAME",
                    help=f"with --shortcuts=forbid, the shortcuts still allowed (of {', '.join(shortcuts.SHORTCUTS)})")


def policy_of(config) -> shortcuts.Policy:
    allowed = [n.strip() for n in (config.getoption("--allow-shortcut", None) or "").split(",") if n.strip()]
    return shortcuts.Policy(forbid=config.getoption("--shortcuts", "report") == "forbid", allowed=tuple(allowed))


def check_arguments(config):
    bad = shortcuts.unknown(policy_of(config).allowed)
    if bad:
        raise pytest.UsageError(f"--allow-shortcut: unknown name(s) {', '.join(bad)} "
                                f"(known: {', '.join(shortcuts.SHORTCUTS)})")


def observe(item) -> dict:
    """What the worker observed during this test's call ({name: [calls]}), kept on the item for its report;
    shortcuts seen while the implementation was imported are kept on the session's report instead."""
    conformance = item.config._conformance
    session = conformance.session
    if (not spec_ids(item) or session is None or not session.alive
            or item.config.getoption("--framework", None) not in shortcuts.WATCHED):
        return {}
    used, at_import = session.shortcuts()
    shortcuts.merge(conformance.import_shortcuts, at_import)
    item._aifund_shortcuts = used or {}
    return item._aifund_shortcuts


def enforce(item, used: dict):
    """Fail the test (its items: 'fail') when the run forbids a shortcut it used."""
    forbidden = policy_of(item.config).forbidden(used)
    if forbidden:
        calls = "; ".join(f"{name} ({', '.join(used[name])})" for name in forbidden)
        raise ConformanceFailure(
            f"library shortcut(s) not allowed in this run: {calls}; shortcuts are "
            f"{policy_of(item.config).words()} here, so this must be the implementation's own code")


def line(report: dict) -> str | None:
    """One line for the terminal: the shortcuts used, each with the items whose tests used it."""
    data = report.get("shortcuts") or {}
    used = data.get("used") or {}
    if not data.get("watched"):
        return None
    if not used:
        return f"library shortcuts: none observed (policy: {data.get('policy_words')})"
    parts = [f"{name} ({', '.join(v['calls'][:3])}) in {', '.join(v['items'][:4])}"
             + (f" and {len(v['items']) - 4} more" if len(v['items']) > 4 else "") for name, v in used.items()]
    return f"library shortcuts observed (policy: {data.get('policy_words')}): " + "; ".join(parts)


def summary(config, framework: str, per_item: dict, at_import: dict) -> dict:
    """The report's "shortcuts": the policy, and each shortcut used with its calls and the items it touched."""
    policy = policy_of(config)
    used: dict = {}
    for item_id, names in per_item.items():
        for name, calls in names.items():
            entry = used.setdefault(name, {"calls": [], "items": []})
            shortcuts.merge({"x": entry["calls"]}, {"x": calls})
            entry["items"].append(item_id)
    return {"watched": framework in shortcuts.WATCHED, "policy": policy.as_dict(), "policy_words": policy.words(),
            "used": {name: used[name] for name in shortcuts.SHORTCUTS if name in used}, "at_import": at_import}
