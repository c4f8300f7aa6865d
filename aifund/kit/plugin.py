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

import importlib.util
import json
import os
import pathlib
import time

import pytest

from aifund import integrity, remote, sandbox, verdict
from aifund.remote import ImplementationRaised, WorkerGone
from aifund.spec import load_items, matches
from aifund.kit import examples, profiles
from aifund.kit.alarm import time_limit
from aifund.kit.check import ConformanceFailure
from aifund.kit.context import CURRENT

ITEMS = load_items()
STATUSES = verdict.STATUSES
MISSING_PREFIX = "missing:"
IMPORT_FAILED = "the implementation under test failed to import: "
_MESSAGE_LIMIT = 4000
CONTRACT_NAMES = sorted({n for item in ITEMS.values() for n in item.needs})
CACHE_LIMIT = 200 << 20   # bytes of one cache file; the worker may write files up to Limits.file_mb
DEFAULT_CACHE = pathlib.Path(os.environ.get("AIFUND_CACHE", pathlib.Path.home() / ".cache" / "aifund")) / "worker-kernels"
TARGET_CACHES = DEFAULT_CACHE.parent / "target-kernels"    # one per module checked (see kernel_caches)
TARGET_CACHES_KEPT = 8
TIMEOUT_HINT = ("the time counts everything the implementation computed for this test. The usual cause in "
                "tinygrad: a Python number that changes every call or step (a learning rate, a step count, "
                "a bias-correction factor) is baked into the kernel, so each new value compiles a new kernel, "
                "hundreds of times; keep such numbers in a Tensor. Otherwise: an endless loop?")


class ItemTimeout(BaseException):
    """Raised by the alarm when one test outlives its limit (a backstop: the worker's deadline comes first).

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
    group.addoption("--sandbox", default="auto", choices=("auto", "require", "off"),
                    help="run the implementation in a bubblewrap sandbox: auto (where the machine has it, "
                         "default), require (refuse to run without it), off")
    group.addoption("--kernel-cache", default=None, metavar="DIR",
                    help=f"tinygrad kernel cache the implementation's process may write (default: {DEFAULT_CACHE} for "
                         f"the reference, a folder of the module's own under {TARGET_CACHES} for any other, which "
                         "also reads the reference's)")
    group.addoption("--worker-uid", type=int, default=None, metavar="UID",
                    help="when run as root: the user the implementation's process runs as (default 2000000)")
    group.addoption("--worker-memory-mb", type=int, default=sandbox.Limits.memory_mb, metavar="MB",
                    help=f"address-space limit of the implementation's process (default {sandbox.Limits.memory_mb})")
    group.addoption("--partial", action="store_true", default=False,
                    help="a partial implementation on purpose: items it lacks (missing) do not fail the run "
                         "(default: any fail, error or missing item makes the exit status 1)")
    group.addoption("--reference-visible", action="store_true", default=False,
                    help="let the implementation import the reference impl/ (the kit's own mutant corpus needs it)")
    group.addoption("--example-db", default=None, metavar="DIR",
                    help="Hypothesis example database: every failure found is saved there and replayed first by "
                         f"later runs (default: {examples.BESIDE_IMPL} in the folder of --impl; for the reference, "
                         "the kit's .hypothesis/aifund-examples). Also read, read-only: the artifact of "
                         f"${examples.SHARED_ENV}=owner/repo. The mutants and grading profiles use none")


def conformance_dir() -> pathlib.Path:
    """Where the conformance tests are: tests/conformance in a checkout, aifund/conformance in an installed wheel."""
    return pathlib.Path(importlib.util.find_spec("aifund.conformance").submodule_search_locations[0])


def is_conformance_run(config) -> bool:
    """This plugin is installed for every pytest run of the environment; it acts only when asked:
    --impl is given, or the paths to collect include the conformance tests (or a folder above them)."""
    if config.getoption("--impl") is not None:
        return True
    tests = conformance_dir().resolve()
    for arg in config.args:
        path = pathlib.Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == tests or tests in path.parents or path in tests.parents:
            return True
    return False


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(*ids): the spec item(s) this test checks")
    config.addinivalue_line("markers", "time_limit(seconds): this test may run longer than --item-timeout")
    if config.getoption("--impl") is not None and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(conformance_dir())]   # `pytest --impl mine.py` from any folder: the whole suite
    if not is_conformance_run(config):
        return
    # Gradient items compute in float64, which tinygrad's CPU device has and some GPU backends lack.
    os.environ.setdefault("DEV", "CPU")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:tinygrad.*")
    _check_arguments(config)
    config._hypothesis_profile = profiles.chosen(config)
    config._example_store = None
    if profiles.uses_database(config._hypothesis_profile):
        try:
            config._example_store = examples.open_store(config.getoption("--example-db"), target_of(config),
                                                        config.invocation_params.dir)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    profiles.load(config)
    config._conformance = Conformance(config)
    config.pluginmanager.register(config._conformance, "conformance-report")


def pytest_unconfigure(config):  # noqa: E302
    conformance = getattr(config, "_conformance", None)
    if conformance is not None:
        conformance.close()


def _check_arguments(config):
    """Bad input is one line and a usage error (exit 4) before anything runs."""
    given = config.getoption("--impl")
    if given not in (None, "", "impl"):
        path = pathlib.Path(target_of(config))
        if not path.exists():
            raise pytest.UsageError(f"--impl {given}: no such file or directory ({path})")
        if path.is_dir() and not (path / "__init__.py").is_file():
            raise pytest.UsageError(f"--impl {given}: a folder without __init__.py is not a Python package")
        if path.is_file() and path.suffix != ".py":
            raise pytest.UsageError(f"--impl {given}: neither a .py file nor a package folder")
        if not os.access(path, os.R_OK):
            raise pytest.UsageError(f"--impl {given}: not readable")
    wanted = config.getoption("--spec-items")
    if wanted is not None:
        problems = [unknown_selection(w) for w in _split(wanted)]
        problems = [p for p in problems if p]
        if problems or not _split(wanted):
            raise pytest.UsageError("--spec-items: " + ("; ".join(problems) or "no item ids given"))


def _split(wanted: str) -> list[str]:
    return [w.strip() for w in wanted.split(",") if w.strip()]


def unknown_selection(word: str) -> str | None:
    """None when ``word`` names a spec item or (ending in '.') a prefix of some; else a message with the closest ids."""
    import difflib
    if any(matches(i, word) for i in ITEMS):
        return None
    prefixes = sorted({i[:k + 1] for i in ITEMS for k, ch in enumerate(i) if ch == "."})
    close = difflib.get_close_matches(word, list(ITEMS) + prefixes, n=3, cutoff=0.6)
    return f"{word!r} is not a spec item id{' or prefix' if word.endswith('.') else ''}" + (
        f" (closest: {', '.join(close)})" if close else " (list them with: python -m aifund.contract items)")


def spec_ids(item) -> tuple:
    ids = []
    for mark in item.iter_markers("spec"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def _selected(ids: tuple, wanted: list[str]) -> bool:
    return any(matches(i, w) for i in ids for w in wanted)


def active(config) -> bool:
    """True in a conformance run (see is_conformance_run); every hook below does nothing otherwise."""
    return getattr(config, "_conformance", None) is not None


def pytest_collection_modifyitems(config, items):
    if not active(config):
        return
    unknown = sorted({i for item in items for i in spec_ids(item) if i not in ITEMS})
    if unknown:
        raise pytest.UsageError(f"tests name spec items that spec/ does not define: {unknown}")
    wanted = config.getoption("--spec-items")
    if wanted:
        wanted = _split(wanted)
        keep = [it for it in items if _selected(spec_ids(it), wanted)]
        config.hook.pytest_deselected(items=[it for it in items if it not in keep])
        items[:] = keep
    if config._example_store is not None and config.getoption("--hypothesis-seed", None) is not None:
        _keep_database_under_seed(items)


def _keep_database_under_seed(items):
    """--hypothesis-seed makes Hypothesis drop the example database (core.py, run_engine: no database key when
    a global seed is forced), so a seeded exploration would neither replay nor keep what it finds. A test's
    explicit database key is used even then: set it to the key Hypothesis computes without a seed (the digest
    of the inner test), so seeded and unseeded runs save and replay the same entries."""
    from hypothesis.internal.reflection import function_digest
    for item in items:
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)
        if getattr(test, "is_hypothesis_test", False):
            test._hypothesis_internal_database_key = function_digest(test.hypothesis.inner_test)


def target_of(config) -> str:
    """The implementation as the worker is asked for it: "impl" or an absolute path."""
    key = config.getoption("--impl")
    if key in (None, "", "impl"):
        return "impl"
    path = pathlib.Path(key).expanduser()
    return str(path if path.is_absolute() else (pathlib.Path(config.invocation_params.dir) / path).resolve())


def session_of(config) -> remote.Session:
    """This process's worker session (started on first use, restarted after a crash)."""
    conformance = config._conformance
    if conformance.session is None:
        mode = config.getoption("--sandbox")
        limits = sandbox.Limits(memory_mb=config.getoption("--worker-memory-mb"))
        try:
            box = sandbox.choose(mode, limits, uid=config.getoption("--worker-uid"))
        except sandbox.SandboxUnavailable as exc:
            raise pytest.UsageError(f"--sandbox=require, but {exc}") from None
        target = target_of(config)
        cache, shared = kernel_caches(config, target)
        cache.mkdir(parents=True, exist_ok=True)
        for db in cache.glob("*.db"):
            # a cache, not a record: started afresh before it nears the worker's file-size limit
            if db.stat().st_size > CACHE_LIMIT:
                for stale in cache.glob(db.name + "*"):
                    stale.unlink()
        if box.uid is not None and cache.stat().st_uid != box.uid:
            for path in [cache, *cache.iterdir()]:
                os.chown(path, box.uid, box.uid, follow_symlinks=False)   # never a link the worker planted
        display = config.getoption("--impl") or "impl"
        conformance.session = remote.Session(
            target, box, names=CONTRACT_NAMES, cache_dir=cache, shared_cache=shared, env=worker_env(),
            reference_access=config.getoption("--reference-visible"),
            import_timeout=config.getoption("--impl-import-timeout"), display_path=display)
        if target != "impl" and not pathlib.Path(target).exists():
            conformance.session.import_error = f"no such file or directory: {display}"
            return conformance.session
        conformance.session.start()
    session = conformance.session
    if session.import_error is None and not session.alive:
        session.ensure()
    return session


def kernel_caches(config, target: str) -> tuple[pathlib.Path, pathlib.Path | None]:
    """(the worker's own kernel cache, a cache it may only read).

    A worker writes compiled code into its cache, and the code under test runs in that worker, so a cache
    one implementation wrote is never read by another: the machine's shared cache (DEFAULT_CACHE) is
    written only by the reference and by the kit's own corpus (--reference-visible); any other module gets
    a cache of its own (under TARGET_CACHES, one per module path, the least recently used pruned) and reads
    the shared one read-only. --kernel-cache DIR: that folder alone, read and written (the grader gives
    each submission a private copy)."""
    given = config.getoption("--kernel-cache")
    if given:
        return pathlib.Path(given), None
    if target == "impl" or config.getoption("--reference-visible"):
        return DEFAULT_CACHE, None
    import hashlib
    own = TARGET_CACHES / f"{pathlib.Path(target).stem[:40]}-{hashlib.sha256(target.encode()).hexdigest()[:16]}"
    if TARGET_CACHES.is_dir():
        others = sorted((d for d in TARGET_CACHES.iterdir() if d.is_dir() and d != own),
                        key=lambda d: d.stat().st_mtime, reverse=True)
        for stale in others[TARGET_CACHES_KEPT - 1:]:
            sandbox.remove_tree(stale)
    own.mkdir(parents=True, exist_ok=True)
    os.utime(own)
    return own, DEFAULT_CACHE if (DEFAULT_CACHE / "kernels.db").is_file() else None


def worker_env(environ=os.environ) -> dict:
    """The environment the implementation's process is started with (bubblewrap then keeps only a few names
    of it): the example database belongs to this process, and no credential for a shared one goes there."""
    return {k: v for k, v in environ.items() if k not in examples.SECRET_ENV}


@pytest.fixture(scope="session")
def impl(request):
    """The module under test, as handles into its worker process."""
    return session_of(request.config).module()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not active(item.config):
        return
    ids = spec_ids(item)
    CURRENT.item_ids = ids
    CURRENT.section = ", ".join(dict.fromkeys(ITEMS[i].section for i in ids)) if ids else ""
    CURRENT.impl_path = item.config.getoption("--impl") or "impl"
    if not ids:
        return
    session = session_of(item.config)
    remote.set_current(session)
    if session.import_error:
        # One line per test, no traceback: the import's own message says it all (and is summarised once).
        pytest.fail(IMPORT_FAILED + session.import_error, pytrace=False)
    needs = dict.fromkeys(n for i in ids for n in ITEMS[i].needs)
    missing = [n for n in needs if n not in session.present]
    if missing:
        pytest.skip(f"{MISSING_PREFIX} the implementation does not define {', '.join(missing)}")
    session.deadline = time.monotonic() + _limit(item)


def _limit(item) -> float:
    limit = item.config.getoption("--item-timeout")
    marker = item.get_closest_marker("time_limit")
    if marker:
        limit = max(limit, float(marker.args[0]))
    return limit


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not active(item.config):
        yield
        return
    limit = _limit(item)
    backstop = limit + 60 if spec_ids(item) else limit
    with time_limit(backstop, lambda: ItemTimeout(f"the test did not finish within {backstop:g} s")):
        yield


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    if not active(item.config):
        return
    session = item.config._conformance.session
    if session is not None and spec_ids(item):
        session.deadline = time.monotonic() + 30
        try:
            session.reset()
        except (WorkerGone, ImplementationRaised):
            pass
        session.deadline = None
        remote.set_current(None)


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
        if isinstance(exc, WorkerGone):
            if exc.kind == "timeout":
                limit = _limit(call_item(report))
                return "error", _first_lines(f"timed out: {exc} (the test's limit is {limit:g} s; {TIMEOUT_HINT})")
            return "error", _first_lines(str(exc))
        if isinstance(exc, ItemTimeout):
            return "error", f"timed out: {exc} ({TIMEOUT_HINT})"
        if isinstance(exc, ImplementationRaised):
            return "error", _first_lines(f"the implementation raised {exc}{_input_note(exc)}")
        if isinstance(exc, AssertionError):
            return "fail", _first_lines(text)
        return "error", _first_lines(f"could not check the implementation's answer: {text}\n{_kit_frame(excinfo)}")
    if report.failed:  # teardown
        return "error", _first_lines(f"teardown failed: {report.longreprtext}")
    return None


def _kit_frame(excinfo) -> str:
    if not excinfo:
        return ""
    frames = [e for e in excinfo.traceback if "site-packages" not in str(e.path)]
    if frames:
        e = frames[-1]
        return f"  at {e.path}:{e.lineno + 1}"
    return ""


def _input_note(exc) -> str:
    notes = getattr(exc, "__notes__", None) or []
    return ("\n" + "\n".join(notes)) if notes else ""


_ITEMS_BY_NODEID: dict = {}


def call_item(report):
    return _ITEMS_BY_NODEID.get(report.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not active(item.config):
        return
    _ITEMS_BY_NODEID[item.nodeid] = item
    report = outcome.get_result()
    ids = spec_ids(item)
    if not ids:
        return
    verdict = classify(report, call)
    if verdict:
        status, message = verdict
        data = {"items": ids, "status": status, "message": message}
        if status in ("fail", "error") and report.when == "call":
            data.update(replay_of(item, call))
        report.user_properties.append(("conformance", json.dumps(data)))


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
        out["example"] = example
    test = getattr(item, "obj", None)
    seed = getattr(getattr(test, "__func__", test), "_hypothesis_internal_use_generated_seed", None)
    if seed is not None:   # only in a random profile without --hypothesis-seed: each test draws its own
        out["seed"] = seed
    return out


class Conformance:
    """This process's worker session, and the per-item aggregation in the controlling process."""

    def __init__(self, config):
        self.config = config
        self.session: remote.Session | None = None
        self.results: dict[str, list[tuple[str, str, str]]] = {}  # id -> [(status, message, test nodeid)]
        self.replays: dict[str, list[dict]] = {}   # id -> [{test, example, seed}] of its failed tests
        self.workers: list[dict] = []    # what each process's worker session said about itself

    def close(self):
        if self.session is not None:
            self.session.stop()

    def session_facts(self) -> dict:
        s = self.session
        if s is None:
            return {}
        as_user = f" (as uid {s.sandbox.uid})" if s.sandbox.uid is not None else ""
        return {"sandbox": "bubblewrap" + as_user if s.sandbox.isolated else f"none{as_user}: {s.sandbox.reason}",
                "flags": s.flags() if s.alive else [], "restarts": s.restarts, "output": s.output()}

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
                replay = {k: data[k] for k in ("test", "example", "seed") if k in data}
                if "example" in replay or "seed" in replay:
                    self.replays.setdefault(item_id, []).append(replay)
            # Written as results arrive, so a run stopped from outside (a grade's own time limit) keeps them.
            if not hasattr(self.config, "workerinput") and time.monotonic() - self._written > 2.0:
                self.write_json()

    _written = 0.0

    def write_json(self):
        path = self.config.getoption("--conformance-json")
        if not path:
            return
        data = self.report()
        path = pathlib.Path(path)
        if not path.is_absolute():
            path = pathlib.Path(self.config.invocation_params.dir) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(f"{path}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        self._written = time.monotonic()

    def pytest_testnodedown(self, node, error):
        facts = getattr(node, "workeroutput", {}).get("conformance-session")
        if facts:
            self.workers.append(json.loads(facts))

    def item_status(self, item_id: str) -> tuple[str, str]:
        return verdict.item_status(self.results.get(item_id, []), import_failed_prefix=IMPORT_FAILED)

    def report(self) -> dict:
        items = {}
        for item_id, item in ITEMS.items():
            status, message = self.item_status(item_id)
            items[item_id] = {"status": status, "section": item.section, "title": item.title,
                              "weight": item.weight, "message": message}
            if status in ("fail", "error") and self.replays.get(item_id):
                items[item_id]["examples"] = self.replays[item_id]
        summary = {s: sum(1 for v in items.values() if v["status"] == s) for s in STATUSES}
        summary["total"] = len(items)
        workers = self.workers or ([self.session_facts()] if self.session is not None else [])
        target = target_of(self.config)
        flags = []
        for w in workers:
            for f in w.get("flags", []):
                if f not in flags:
                    flags.append(f)
        if target == "impl":
            flags = []          # the reference imports itself; nothing to flag
        else:
            flags = integrity.scan(pathlib.Path(target)) + flags
        sandboxes = sorted({w.get("sandbox", "") for w in workers if w.get("sandbox")})
        output = "".join(w.get("output", "") for w in workers)
        return {"impl": self.config.getoption("--impl") or "impl", "items": items, "summary": summary,
                "sandbox": "; ".join(sandboxes) or "not started (no spec item ran)",
                "integrity": flags, "output": output,
                "worker_restarts": sum(w.get("restarts", 0) for w in workers),
                **self.hypothesis_facts()}

    def hypothesis_facts(self) -> dict:
        """How to rerun this run's examples: the profile, the seed, the example database."""
        from hypothesis import settings
        forced = self.config.getoption("--hypothesis-seed", None)
        if settings.default.derandomize:
            seed = "derandomized"       # each test's examples come from its own digest (--hypothesis-seed is ignored)
        elif forced is not None:
            seed = int(forced) if str(forced).lstrip("-").isdigit() else forced
        else:
            seed = "random"             # each test draws its own seed; a failed test's is in its item's examples
        store = self.config._example_store
        return {"profile": self.config._hypothesis_profile, "seed": seed,
                "example_db": str(store.path) if store is not None else None,
                "example_db_writable": store.writable if store is not None else None,
                "shared_examples": store.shared if store is not None else None}

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if hasattr(self.config, "workerinput"):
            if self.session is not None:
                self.config.workeroutput["conformance-session"] = json.dumps(self.session_facts())
            return
        self.write_json()
        if session.exitstatus == 0 and not self.config.getoption("--partial"):
            missing = [i for i, v in self.report()["items"].items() if v["status"] == "missing"]
            if missing:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                self.exit_note = (f"exit status 1: {len(missing)} spec item(s) are missing from the implementation "
                                  "(--partial checks a partial implementation on purpose)")

    exit_note = ""

    def examples_line(self, data: dict, failed: bool) -> str:
        seed = data["seed"] if isinstance(data["seed"], str) else f"seed {data['seed']}"
        line = f"hypothesis profile {data['profile']} ({seed})"
        store = self.config._example_store
        if store is None:
            return line + "; no example database"
        line += f"; example database {store.describe()}"
        if failed and store.writable:
            line += ": failing cases are kept there, and every run that uses it replays them first until they pass"
        return line

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
        problems = [(i, v) for i, v in data["items"].items() if v["status"] in ("fail", "error")
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
        tr.write_line(self.examples_line(data, bool(problems)))
        tr.write_line(f"implementation's process: sandbox {data['sandbox']}"
                      + (f"; restarted {data['worker_restarts']} time(s)" if data["worker_restarts"] else ""))
        if data["integrity"]:
            tr.write_line("integrity flags (for a person to read, not a grade): "
                          + "; ".join(f"{f['kind']} {f['detail']}" for f in data["integrity"][:10]), yellow=True)
        s = data["summary"]
        not_run = sum(1 for v in data["items"].values() if v["message"].startswith("not run"))
        tr.write_line(f"conformance: {s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['missing']} missing, "
                      f"{s['skipped'] - not_run} skipped, {not_run} not run, of {s['total']} spec items "
                      f"[{data['impl']}]", bold=True)
        if self.exit_note:
            tr.write_line(self.exit_note, yellow=True)
