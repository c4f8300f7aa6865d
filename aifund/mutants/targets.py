"""Which contract names a file of an implementation touches, and so which spec items a mutant of it runs.

Reads the implementation's source with `ast` only (never imports it). A file touches the contract names it
defines and those of every file that imports from it, directly or through others.
"""
from __future__ import annotations

import ast
import pathlib

from aifund.spec import CONTRACT_NAMES, Item


def python_files(impl: pathlib.Path) -> dict[str, str]:
    """{path relative to the implementation's root: source} for a .py file or every .py file of a package."""
    if impl.is_file():
        return {impl.name: impl.read_text(encoding="utf-8")}
    return {str(p.relative_to(impl)): p.read_text(encoding="utf-8") for p in sorted(impl.rglob("*.py"))
            if "__pycache__" not in p.parts}


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names & CONTRACT_NAMES


def _imported_files(path: str, tree: ast.Module, files: set[str]) -> set[str]:
    """The files of the same implementation that ``path`` imports from (relative or by the package's name)."""
    here = pathlib.PurePosixPath(path).parent
    found = set()
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.ImportFrom):
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.parent
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 0 and parts:
                parts = parts[1:]          # `from pkg.mod import x`: drop the package's own name
            modules.append(base.joinpath(*parts) if parts else base)
            modules += [base.joinpath(*parts, a.name) for a in node.names]
        for m in modules:
            for candidate in (f"{m}.py", f"{m}/__init__.py"):
                candidate = candidate.removeprefix("./")
                if candidate in files and candidate != path:
                    found.add(candidate)
    return found


def touched_names(files: dict[str, str]) -> dict[str, set[str]]:
    """{file: the contract names a change in it can affect}."""
    trees = {f: ast.parse(src) for f, src in files.items()}
    imports = {f: _imported_files(f, t, set(files)) for f, t in trees.items()}
    out = {}
    for f in files:
        reached, todo = {f}, [f]
        while todo:
            current = todo.pop()
            for user, used in imports.items():
                if current in used and user not in reached and not user.endswith("__init__.py"):
                    reached.add(user)
                    todo.append(user)
        out[f] = set().union(*(_defined(trees[r]) for r in reached))
    return out


def items_for(names: set[str], items: dict[str, Item]) -> list[str]:
    """The ids of the items that call the implementation and need one of ``names``."""
    return [i for i, item in items.items() if item.needs and set(item.needs) & names]
