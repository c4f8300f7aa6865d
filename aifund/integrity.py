"""Integrity flags from reading the submission's source (never by running it).

What a static scan can see: imports of PyTorch or of the kit's reference and
tests, and string literals that name the kit's files. The worker's audit hook
adds what happened at run time. Both are shown to staff as flags, not grades.
"""
from __future__ import annotations

import ast
import pathlib

FLAGGED_MODULES = ("torch", "impl", "tests", "spec", "aifund")
KIT_WORDS = ("impl/", "tests/", "spec/", "aifund/", "/reference")
MAX_BYTES = 2 << 20
MAX_FILES = 200


def _sources(target: pathlib.Path) -> list[pathlib.Path]:
    if target.is_file():
        return [target]
    if target.is_dir():
        return sorted(p for p in target.rglob("*.py") if p.is_file() and not p.is_symlink())[:MAX_FILES]
    return []


def scan(target: pathlib.Path) -> list[dict]:
    flags = []
    for path in _sources(target):
        try:
            if path.stat().st_size > MAX_BYTES:
                flags.append({"kind": "source", "detail": f"{path.name} is over {MAX_BYTES} bytes, not scanned"})
                continue
            tree = ast.parse(path.read_bytes(), filename=path.name)
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FLAGGED_MODULES:
                    flags.append({"kind": "source import", "detail": f"{path.name}:{node.lineno} imports {name}"})
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                    w in node.value for w in KIT_WORDS) and len(node.value) < 300:
                flags.append({"kind": "source path", "detail": f"{path.name}:{node.lineno} names {node.value!r}"})
    return flags[:50]
