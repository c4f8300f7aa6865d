"""Integrity flags from reading the submission's source (never by running it).

What a static scan can see: imports of PyTorch (in a tinygrad implementation) or of the kit's reference and
tests, string literals that name the kit's files or modules, and imports or code
whose name is computed at run time (``__import__("to" + "rch")``, ``exec``), which
hide what they load from this scan. Not flagged: a package's
imports of itself, and prose (docstrings) that mentions a folder. The worker's audit hook
adds what happened at run time. Both are shown to staff as flags, not grades.
"""
from __future__ import annotations

import ast
import pathlib

FLAGGED_MODULES = ("torch", "impl", "tests", "spec", "aifund")
KIT_WORDS = ("impl/", "tests/", "spec/", "aifund/", "/reference", "aifund.")
DYNAMIC = {"__import__", "import_module", "exec", "eval", "compile"}    # their argument names what is loaded
MAX_BYTES = 2 << 20
MAX_FILES = 200


def _sources(target: pathlib.Path) -> list[pathlib.Path]:
    if target.is_file():
        return [target]
    if target.is_dir():
        return sorted(p for p in target.rglob("*.py") if p.is_file() and not p.is_symlink())[:MAX_FILES]
    return []


def _inert_strings(tree: ast.AST) -> set[int]:
    """String statements whose value is thrown away (docstrings, strings used as comments): prose that says
    "see tests/" names no file the code opens. Unless the file reads ``__doc__``, where a docstring is data."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == "__doc__") or (
                isinstance(node, ast.Attribute) and node.attr == "__doc__"):
            return set()
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def scan(target: pathlib.Path, framework: str = "tinygrad") -> list[dict]:
    """``framework``: the one the implementation is written in; importing it is what the contract asks."""
    # a package imports itself by its own name (a folder called ``impl`` that writes ``from impl.layers import``)
    own = {target.name if target.is_dir() else None, framework}
    flags = []
    for path in _sources(target):
        try:
            if path.stat().st_size > MAX_BYTES:
                flags.append({"kind": "source", "detail": f"{path.name} is over {MAX_BYTES} bytes, not scanned"})
                continue
            tree = ast.parse(path.read_bytes(), filename=path.name)
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue
        inert = _inert_strings(tree)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FLAGGED_MODULES and name.split(".")[0] not in own:
                    flags.append({"kind": "source import", "detail": f"{path.name}:{node.lineno} imports {name}"})
            if isinstance(node, ast.Call) and node.args and not isinstance(node.args[0], ast.Constant):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in DYNAMIC:
                    flags.append({"kind": "source dynamic", "detail": f"{path.name}:{node.lineno} calls {called}() "
                                                                      "with a name computed at run time"})
            if (isinstance(node, ast.Constant) and id(node) not in inert and isinstance(node.value, str)
                    and any(w in node.value for w in KIT_WORDS) and len(node.value) < 300):
                flags.append({"kind": "source path", "detail": f"{path.name}:{node.lineno} names {node.value!r}"})
    return flags[:50]
