"""docs/observations.md covers every spec item, its list of claims is exactly the items that decide on one, and no
check compares the worker's handle numbers (an implementation can make the worker forge them)."""
import ast
import fnmatch
import pathlib
import re

import pytest

from aifund.spec import load_items

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "observations.md"
CHECK_FILES = sorted((ROOT / "tests" / "conformance").glob("test_s*.py")) + sorted((ROOT / "aifund" / "kit").glob("*.py"))
# Names that read or compare what the worker says about its own objects' identity.
IDENTITY_CLAIMS = {"same_object", "_oid"}


def tables() -> list[list[list[str]]]:
    """The page's Markdown tables: rows of cells, header and rule rows left out."""
    out, current = [], None
    for line in PAGE.read_text().splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = []
                out.append(current)
                continue                              # the header
            if not set("".join(cells)) <= set("-: "):
                current.append(cells)
        else:
            current = None
    return out


def patterns(cell: str) -> list[str]:
    return re.findall(r"`([a-z0-9_.*]+)`", cell)


def spec_functions(path: pathlib.Path):
    """(item ids, function node) for every @spec(...)-decorated test of a conformance module."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            ids = [d.args[0].value for d in node.decorator_list
                   if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "spec" and d.args
                   and isinstance(d.args[0], ast.Constant)]
            if ids:
                yield ids, node


def test_every_item_is_listed():
    listed = [p for table in tables() for row in table for p in patterns(row[0])]
    missing = [i for i in load_items() if not any(fnmatch.fnmatchcase(i, p) for p in listed)]
    assert not missing, f"docs/observations.md does not say what these items observe: {missing}"


def test_the_claims_table_names_exactly_the_items_decided_by_a_traced_call():
    claims_table = tables()[-1]
    listed = {p for row in claims_table for p in patterns(row[0])}
    traced = set()
    for path in sorted((ROOT / "tests" / "conformance").glob("test_s*.py")):
        for ids, fn in spec_functions(path):
            if any(isinstance(n, ast.Name) and n.id == "calls_into" for n in ast.walk(fn)):
                traced.update(ids)
    assert traced and listed == traced, f"claims listed {sorted(listed)}, items deciding on traced calls {sorted(traced)}"


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.name)
def test_no_check_compares_handle_numbers(path):
    used = sorted({n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(ast.parse(path.read_text()))
                   if (isinstance(n, ast.Name) and n.id in IDENTITY_CLAIMS)
                   or (isinstance(n, ast.Attribute) and n.attr in IDENTITY_CLAIMS)})
    assert not used, (f"{path.relative_to(ROOT)} uses {used}: identity is the worker's claim about its own objects; "
                      f"check it by effect (aifund/kit/effects.py)")
