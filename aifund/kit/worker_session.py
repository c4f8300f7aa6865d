"""The worker session of this pytest process: starting the implementation's worker, its kernel caches, and what
happens around each test (the import and missing-name checks before it, the reset after it).

The implementation runs in the worker only: this module never imports it and never decides a verdict.
"""
from __future__ import annotations

import os
import pathlib
import time

import pytest

from aifund import frameworks, process_limits, remote, sandbox
from aifund.remote import ImplementationRaised, NotImplementedYet, WorkerGone
from aifund.kit import examples
from aifund.kit.context import CURRENT
from aifund.kit.limits import limit_of
from aifund.kit.outcome import IMPORT_FAILED, MISSING_PREFIX, NOT_APPLICABLE_PREFIX
from aifund.kit.selection import ITEMS, spec_ids

CONTRACT_NAMES = sorted({n for item in ITEMS.values() for n in item.needs})
CACHE_LIMIT = 200 << 20   # bytes of one cache file; the worker may write files up to Limits.file_mb
DEFAULT_CACHE = pathlib.Path(os.environ.get("AIFUND_CACHE", pathlib.Path.home() / ".cache" / "aifund")) / "worker-kernels"
TARGET_CACHES = DEFAULT_CACHE.parent / "target-kernels"    # one per module checked (see kernel_caches)
TARGET_CACHES_KEPT = 8


def target_of(config) -> str:
    """The implementation as the worker is asked for it: "impl" or an absolute path."""
    key = config.getoption("--impl")
    if key in (None, "", "impl"):
        return "impl"
    path = pathlib.Path(key).expanduser()
    return str(path if path.is_absolute() else (pathlib.Path(config.invocation_params.dir) / path).resolve())


def framework_of(config) -> str:
    """The framework the implementation is written in (--framework; tinygrad when not given)."""
    return config.getoption("--framework", None) or frameworks.DEFAULT


def display_of(config) -> str:
    """The implementation as reports name it: --impl as given, or the reference's folder (impl, impl_torch)."""
    given = config.getoption("--impl")
    if given:
        return given
    return "impl" if framework_of(config) == frameworks.DEFAULT else f"impl_{framework_of(config)}"


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
        display = display_of(config)
        conformance.session = remote.Session(
            target, box, names=CONTRACT_NAMES, cache_dir=cache, shared_cache=shared, env=worker_env(),
            reference_access=config.getoption("--reference-visible"),
            import_timeout=config.getoption("--impl-import-timeout"), display_path=display,
            framework=framework_of(config))
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
            process_limits.remove_tree(stale)
    own.mkdir(parents=True, exist_ok=True)
    os.utime(own)
    return own, DEFAULT_CACHE if (DEFAULT_CACHE / "kernels.db").is_file() else None


def worker_env(environ=os.environ) -> dict:
    """The environment the implementation's process is started with (bubblewrap then keeps only a few names
    of it): the example database belongs to this process, and no credential for a shared one goes there."""
    return {k: v for k, v in environ.items() if k not in examples.SECRET_ENV}


def before_test(item):
    """Point the checks at this test's items, start the worker if needed, and turn an import failure or a
    missing name into the test's outcome before it runs."""
    ids = spec_ids(item)
    CURRENT.item_ids = ids
    CURRENT.section = ", ".join(dict.fromkeys(ITEMS[i].section for i in ids)) if ids else ""
    CURRENT.impl_path = display_of(item.config)
    CURRENT.framework = framework_of(item.config)
    if not ids:
        return
    foreign = [i for i in ids if not ITEMS[i].applies_to(CURRENT.framework)]
    if foreign:
        # before the worker starts: an item of another framework is never run, and never a pass or a fail
        pytest.skip(f"{NOT_APPLICABLE_PREFIX} {', '.join(foreign)} checks implementations written in "
                    f"{' or '.join(ITEMS[foreign[0]].frameworks)}; this one is written in {CURRENT.framework}")
    session = session_of(item.config)
    remote.set_current(session)
    if session.import_error:
        # One line per test, no traceback: the import's own message says it all (and is summarised once).
        pytest.fail(IMPORT_FAILED + session.import_error, pytrace=False)
    needs = dict.fromkeys(n for i in ids for n in ITEMS[i].needs)
    missing = [n for n in needs if n not in session.present]
    if missing:
        pytest.skip(f"{MISSING_PREFIX} the implementation does not define {', '.join(missing)}")
    session.deadline = time.monotonic() + limit_of(item)


def after_test(item):
    """Drop what the test left in the worker (its handles), within 30 s."""
    session = item.config._conformance.session
    if session is not None and spec_ids(item):
        session.deadline = time.monotonic() + 30
        try:
            session.collect_flags()
            session.reset()
        except (WorkerGone, ImplementationRaised, NotImplementedYet):
            pass
        session.deadline = None
        remote.set_current(None)
