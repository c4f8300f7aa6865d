"""Single-point mutants of Python source, made with the standard `ast` module.

Pure text in, text out: it parses source and splices one changed expression back into it, keeping every other
byte; it never imports or runs the code it mutates.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
from dataclasses import dataclass

BINARY_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
                ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv}
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
BOOL_SWAPS = {ast.And: ast.Or, ast.Or: ast.And}
DROPPED_CALLS = ("detach", "copy", "cast", "astype", "contiguous", "realize")   # x.detach() -> x
MIN_MAX = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum", "amin": "amax", "amax": "amin"}


@dataclass(frozen=True)
class Mutant:
    file: str          # path relative to the implementation's root
    line: int
    operator: str      # what kind of change
    change: str        # the changed expression, before -> after
    source: str        # the whole mutated file

    @property
    def id(self) -> str:
        """Stable while the file and the change stay the same; any edit of the file gives new ids."""
        return hashlib.sha256(f"{self.file}\n{self.source}".encode()).hexdigest()[:16]

    def diff(self, original: str) -> str:
        return "".join(difflib.unified_diff(original.splitlines(True), self.source.splitlines(True),
                                            f"a/{self.file}", f"b/{self.file}", n=1))


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, f-strings, __all__ and everything inside them."""
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.arg, ast.AnnAssign)) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            roots.append(node.returns)
        if isinstance(node, ast.JoinedStr):
            roots.append(node)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            roots.append(node)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            roots.append(node.body[0])
    return {id(n) for r in roots for n in ast.walk(r)}


def _replacements(node: ast.AST):
    """(operator, replacement expression text) for each single change of ``node`` itself."""
    text = ast.unparse
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY_SWAPS:
        yield "binary operator", text(ast.BinOp(node.left, BINARY_SWAPS[type(node.op)](), node.right))
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE_SWAPS:
        yield "comparison", text(ast.Compare(node.left, [COMPARE_SWAPS[type(node.ops[0])]()], node.comparators))
    elif isinstance(node, ast.BoolOp):
        yield "boolean operator", text(ast.BoolOp(BOOL_SWAPS[type(node.op)](), node.values))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield "removed unary operator", text(node.operand)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = node.value
        yield "constant", repr(value + 1 if isinstance(value, int) else (value * 2 if value else 1.0))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield "constant", repr(not node.value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in DROPPED_CALLS:
            yield f"removed .{node.func.attr}()", text(node.func.value)
        if node.func.attr in MIN_MAX:
            swapped = ast.Call(ast.Attribute(node.func.value, MIN_MAX[node.func.attr], ast.Load()), node.args, node.keywords)
            yield "min/max swap", text(swapped)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
        yield "min/max swap", text(ast.Call(ast.Name(MIN_MAX[node.func.id], ast.Load()), node.args, node.keywords))


def _negated_conditions(node: ast.AST):
    """The test of an if, while, assert or conditional expression, to be replaced by `not (test)`."""
    if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        yield node.test


def _splice(raw: bytes, starts: list[int], node: ast.AST, new: str) -> str:
    """``raw`` with ``node``'s byte span replaced by ``(new)``; ast offsets are UTF-8 byte columns."""
    begin = starts[node.lineno - 1] + node.col_offset
    end = starts[node.end_lineno - 1] + node.end_col_offset
    return (raw[:begin] + f"({new})".encode() + raw[end:]).decode()


def mutants(source: str, file: str) -> list[Mutant]:
    """Every single-point mutant of ``source`` that still parses and differs from it, without duplicates."""
    tree = ast.parse(source)
    raw = source.encode()
    starts, offset = [], 0
    for line in raw.splitlines(True):
        starts.append(offset)
        offset += len(line)
    skipped = _skipped_nodes(tree)
    out, seen = [], {source}
    for node in ast.walk(tree):
        if id(node) in skipped or not hasattr(node, "end_col_offset"):
            continue
        changes = [(node, op, new) for op, new in _replacements(node)]
        changes += [(test, "negated condition", f"not ({ast.unparse(test)})") for test in _negated_conditions(node)]
        for target, operator, new in changes:
            mutated = _splice(raw, starts, target, new)
            if mutated in seen:
                continue
            try:
                ast.parse(mutated)
            except SyntaxError:
                continue
            seen.add(mutated)
            before = ast.get_source_segment(source, target) or ast.unparse(target)
            out.append(Mutant(file, target.lineno, operator, f"{' '.join(before.split())} -> {new}", mutated))
    return out
