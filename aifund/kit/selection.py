"""Which tests run: the spec items a test checks, and the --spec-items selection at collection.

Works on test items and item ids only; it never starts the worker.
"""
from __future__ import annotations

import functools
import re

import pytest

from aifund.spec import load_items, matches

ITEMS = load_items()


def split_ids(wanted: str) -> list[str]:
    return [w.strip() for w in wanted.split(",") if w.strip()]


def unknown_selection(word: str) -> str | None:
    """None when ``word`` names a spec item or (ending in '.') a prefix of some; else a message with the closest ids."""
    import difflib
    if any(matches(i, word) for i in ITEMS):
        return None
    prefixes = sorted({i[:k + 1] for i in ITEMS for k, ch in enumerate(i) if ch == "."})
    close = difflib.get_close_matches(word, list(ITEMS) + prefixes, n=3, cutoff=0.6)
    return f"{word!r} is not a spec item id{' or prefix' if word.endswith('.') else ''}" + (
        f" (closest: {', '.join(close)})" if close else " (list them with: aifund-contract items)")


def spec_ids(item) -> tuple:
    ids = []
    for mark in item.iter_markers("spec"):
        ids.extend(mark.args)
    return tuple(dict.fromkeys(ids))


def selected(ids: tuple, wanted: list[str]) -> bool:
    return any(matches(i, w) for i in ids for w in wanted)


_SPEC_CALL = re.compile(r"\bspec\(([^)]*)\)")
_STRINGS = re.compile(r'\s*"[^"\\]*"(\s*,\s*"[^"\\]*")*\s*,?\s*')


def named_in(path) -> tuple | None:
    """The spec items a test module names in ``spec("...")`` / ``pytest.mark.spec("...")`` calls, read from its
    source without importing it; None when some call's arguments are not plain strings (unknown then). A text
    search, not a parse, cached by path and mtime (the sixteen modules: 0.1 s with ast, 7 ms this way)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _named_in(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _named_in(path: str, mtime_ns: int, size: int) -> tuple | None:
    try:
        text = open(path, encoding="utf-8").read()
    except (OSError, ValueError):
        return None
    ids = []
    for args in _SPEC_CALL.findall(text):
        if not _STRINGS.fullmatch(args):
            return None
        ids.extend(re.findall(r'"([^"]*)"', args))
    return tuple(ids)


def skips_module(path, wanted: str) -> bool:
    """True for a test module that names none of the --spec-items ``wanted``: it need not be imported at all
    (a run of two items then collects one module instead of every section's). Unknown contents: False."""
    if path.suffix != ".py" or not path.name.startswith("test_"):
        return False
    ids = named_in(path)
    return ids is not None and not selected(ids, split_ids(wanted))


def select(config, items):
    """Refuse tests that name unknown items; keep only the tests of --spec-items."""
    unknown = sorted({i for item in items for i in spec_ids(item) if i not in ITEMS})
    if unknown:
        raise pytest.UsageError(f"tests name spec items that spec/ does not define: {unknown}")
    wanted = config.getoption("--spec-items")
    if wanted:
        wanted = split_ids(wanted)
        keep = [it for it in items if selected(spec_ids(it), wanted)]
        config.hook.pytest_deselected(items=[it for it in items if it not in keep])
        items[:] = keep
    if config._example_store is not None and config.getoption("--hypothesis-seed", None) is not None:
        keep_database_under_seed(items)


def keep_database_under_seed(items):
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
