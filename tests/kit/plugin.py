"""The pytest plugin: ``--impl``, the spec marker, per-item status and the report.

Each test that checks the spec carries ``@pytest.mark.spec("item.id")``. Before
it runs, the plugin imports the implementation (once per process), turns an
import failure into an ``error`` and a name the module lacks into ``missing``.
After it runs, the outcome is classified (pass, fail, missing, error, skipped)
and attached to the report, which also travels back from pytest-xdist workers.
The controlling process aggregates per spec item, prints the table and writes
``--conformance-json``.
"""
from __future__ import annotations

import json
import os
import pathlib

import pytest

from spec import load_items
from tests.kit.alarm import time_limit
from tests.kit.check import ConformanceFailure
from tests.kit.context import CURRENT
from tests.kit.loader import load_implementation

ITEMS = load_items()
STATUSES = ("pass", "fail", "error", "missing", "skipped")
MISSING_PREFIX = "missing:"
IMPORT_FAILED = "the implementation under test failed to import: "
_MESSAGE_LIMIT = 4000


class ItemTimeout(BaseException):
    """Raised by the alarm when one test outlives --item-timeout.

    A BaseException on purpose: Hypothesis catches Exception (and pytest's
    Failed, which pytest-timeout raises) as a failing example and replays it,
    which would run an endless loop again with no alarm left to stop it.
    """


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "conformance to the guide's spec")
    group.addoption("--impl", default=None, metavar="PATH",
                    help="module under test: a .py file or a package directory (default: the reference, impl/)")
    group.addoption("--conformance-json", default=None, metavar="FILE",
                    help="write the per-item conformance report to FILE as JSON")
    group.addoption("--impl-import-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="time allowed for importing the implementation (default 60)")
    group.addoption("--item-timeout", type=float, default=300.0, metavar="SECONDS",
                    help="time allowed for one test before its items are reported as timed out (default 300)")
    group.addoption("--spec-items", default=None, metavar="ID,ID",
                    help="run only the tests of these spec items (comma-separated ids or prefixes ending in '.')")


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(*ids): the spec item(s) this test checks")
    config._conformance = Conformance(config)
    config.pluginmanager.register(config._conformance, "conformance-report")


def spec_ids(item) -> tuple:
    ids = []
    for mark in item.iter_markers("spec"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def _selected(ids: tuple, wanted: list[str]) -> bool:
    return any(i == w or (w.endswith(".") and i.startswith(w)) for i in ids for w in wanted)


def pytest_collection_modifyitems(config, items):
    unknown = sorted({i for item in items for i in spec_ids(item) if i not in ITEMS})
    if unknown:
        raise pytest.UsageError(f"tests name spec items that spec/ does not define: {unknown}")
    wanted = config.getoption("--spec-items")
    if wanted:
        wanted = [w.strip() for w in wanted.split(",") if w.strip()]
        keep = [it for it in items if _selected(spec_ids(it), wanted)]
        config.hook.pytest_deselected(items=[it for it in items if it not in keep])
        items[:] = keep


_LOADED = {}


def implementation(config):
    """The loaded implementation of this process (imported on first use)."""
    key = config.getoption("--impl")
    if key not in _LOADED:
        _LOADED[key] = load_implementation(key, timeout=config.getoption("--impl-import-timeout"))
    return _LOADED[key]


@pytest.fixture(scope="session")
def impl(request):
    """The module under test."""
    return implementation(request.config).module


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    ids = spec_ids(item)
    CURRENT.item_ids = ids
    CURRENT.section = ", ".join(dict.fromkeys(ITEMS[i].section for i in ids)) if ids else ""
    CURRENT.impl_path = item.config.getoption("--impl") or "impl"
    if not ids:
        return
    loaded = implementation(item.config)
    if loaded.error:
        # One line per test, no traceback: the import's own message says it all (and is summarised once).
        pytest.fail(IMPORT_FAILED + loaded.error, pytrace=False)
    needs = dict.fromkeys(n for i in ids for n in ITEMS[i].needs)
    missing = [n for n in needs if not hasattr(loaded.module, n)]
    if missing:
        pytest.skip(f"{MISSING_PREFIX} the implementation does not define {', '.join(missing)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limit = item.config.getoption("--item-timeout")
    marker = item.get_closest_marker("time_limit")
    if marker:
        limit = max(limit, float(marker.args[0]))
    with time_limit(limit, lambda: ItemTimeout(f"the test did not finish within {limit:g} s (an endless loop?)")):
        yield


def _first_lines(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "\n... (cut)"


def _skip_reason(report) -> str:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def classify(report, call) -> tuple[str, str] | None:
    """(status, message) for one phase of one test, or None when the phase says nothing."""
    if report.when == "setup":
        if report.skipped:
            reason = _skip_reason(report)
            if reason.startswith(MISSING_PREFIX):
                return "missing", reason[len(MISSING_PREFIX):].strip()
            return "skipped", reason
        if report.failed:
            exc = call.excinfo.value if call.excinfo else None
            if isinstance(exc, pytest.fail.Exception) and str(exc).startswith(IMPORT_FAILED):
                return "error", str(exc)
            return "error", _first_lines(f"test setup failed: {call.excinfo.exconly() if call.excinfo else report.longreprtext}")
        return None
    if report.when == "call":
        if report.passed:
            return "pass", ""
        if report.skipped:
            return "skipped", _skip_reason(report)
        excinfo = call.excinfo
        exc = excinfo.value if excinfo else None
        if isinstance(exc, ConformanceFailure):
            return "fail", _first_lines(str(exc))
        text = excinfo.exconly() if excinfo else report.longreprtext
        if isinstance(exc, ItemTimeout):
            return "error", f"timed out: {exc}"
        if isinstance(exc, AssertionError):
            return "fail", _first_lines(text)
        return "error", _first_lines(f"the implementation raised {text}\n{_impl_frame(excinfo)}")
    if report.failed:  # teardown
        return "error", _first_lines(f"teardown failed: {report.longreprtext}")
    return None


def _impl_frame(excinfo) -> str:
    if not excinfo:
        return ""
    tb = excinfo.traceback
    frames = [e for e in tb if "/tests/" not in str(e.path) and "site-packages" not in str(e.path)]
    if frames:
        e = frames[-1]
        return f"  at {e.path}:{e.lineno + 1}"
    return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    ids = spec_ids(item)
    if not ids:
        return
    verdict = classify(report, call)
    if verdict:
        status, message = verdict
        report.user_properties.append(("conformance", json.dumps({"items": ids, "status": status, "message": message})))


class Conformance:
    """Per-item aggregation in the controlling process."""

    def __init__(self, config):
        self.config = config
        self.results: dict[str, list[tuple[str, str, str]]] = {}  # id -> [(status, message, test nodeid)]

    def pytest_report_header(self, config):
        target = config.getoption("--impl") or "impl (the reference implementation)"
        return f"implementation under test: {target}; spec items: {len(ITEMS)}"

    def pytest_runtest_logreport(self, report):
        for key, value in report.user_properties:
            if key != "conformance":
                continue
            data = json.loads(value)
            for item_id in data["items"]:
                self.results.setdefault(item_id, []).append((data["status"], data["message"], report.nodeid))

    def item_status(self, item_id: str) -> tuple[str, str]:
        results = self.results.get(item_id)
        if not results:
            return "skipped", "not run in this session (deselected or not collected)"
        for status in ("error", "fail"):
            hits = [r for r in results if r[0] == status]
            if hits:
                # An import failure is the same for every item: report it, not the test names.
                message = hits[0][1]
                if not message.startswith(IMPORT_FAILED):
                    message = f"{hits[0][2]}: {message}"
                return status, message
        if any(r[0] == "missing" for r in results):
            return "missing", next(r[1] for r in results if r[0] == "missing")
        if any(r[0] == "pass" for r in results):
            return "pass", ""
        return "skipped", next(r[1] for r in results if r[0] == "skipped")

    def report(self) -> dict:
        items = {}
        for item_id, item in ITEMS.items():
            status, message = self.item_status(item_id)
            items[item_id] = {"status": status, "section": item.section, "title": item.title,
                              "weight": item.weight, "message": message}
        summary = {s: sum(1 for v in items.values() if v["status"] == s) for s in STATUSES}
        summary["total"] = len(items)
        return {"impl": self.config.getoption("--impl") or "impl", "items": items, "summary": summary}

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if hasattr(self.config, "workerinput"):
            return
        path = self.config.getoption("--conformance-json")
        if path:
            data = self.report()
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
            tmp = pathlib.Path(f"{path}.tmp{os.getpid()}")
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, path)

    def pytest_terminal_summary(self, terminalreporter):
        if hasattr(self.config, "workerinput") or not self.results:
            return
        data = self.report()
        tr = terminalreporter
        tr.section("conformance by spec item")
        import_errors = {v["message"] for v in data["items"].values()
                         if v["status"] == "error" and v["message"].startswith(IMPORT_FAILED)}
        for message in import_errors:
            tr.write_line(message, red=True, bold=True)
        width = max(len(i) for i in data["items"])
        for item_id, v in data["items"].items():
            if v["status"] == "skipped" and v["message"].startswith("not run"):
                continue
            first = "" if v["message"].startswith(IMPORT_FAILED) else v["message"].splitlines()[0] if v["message"] else ""
            colour = {"pass": "green", "fail": "red", "error": "red", "missing": "yellow"}.get(v["status"])
            line = f"{item_id:<{width}}  §{v['section']:<3} {v['status']:<8} {first[:110]}"
            tr.write_line(line, **({colour: True} if colour else {}))
        s = data["summary"]
        not_run = sum(1 for v in data["items"].values() if v["message"].startswith("not run"))
        tr.write_line(f"conformance: {s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['missing']} missing, "
                      f"{s['skipped'] - not_run} skipped, {not_run} not run, of {s['total']} spec items "
                      f"[{data['impl']}]", bold=True)
