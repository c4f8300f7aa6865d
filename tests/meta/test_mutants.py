"""Every deliberately wrong implementation in tests/mutants is caught by the items it names."""
import ast
import pathlib

import pytest

from spec import load_items
from tests.meta.run_suite import run_conformance

pytestmark = pytest.mark.meta
MUTANTS = sorted(p for p in (pathlib.Path(__file__).parents[1] / "mutants").glob("*.py") if p.name != "__init__.py")
ITEMS = load_items()


def declared(path: pathlib.Path) -> dict:
    """The module's MUTATED and CAUGHT_BY lists, read without importing it."""
    values = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("MUTATED", "CAUGHT_BY"):
                values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def test_corpus_is_large_and_well_formed():
    assert len(MUTANTS) >= 20
    for path in MUTANTS:
        d = declared(path)
        assert d.get("MUTATED") and d.get("CAUGHT_BY"), f"{path.name} must declare MUTATED and CAUGHT_BY"
        assert set(d["CAUGHT_BY"]) <= set(ITEMS), f"{path.name} names unknown items"
        for item in d["CAUGHT_BY"]:
            assert set(ITEMS[item].needs) & set(d["MUTATED"]), f"{path.name}: {item} does not use {d['MUTATED']}"
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path.name} needs a docstring naming its bug"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_is_caught(mutant, tmp_path):
    d = declared(mutant)
    report, proc = run_conformance(mutant, tmp_path, items=d["CAUGHT_BY"])
    statuses = {i: report["items"][i]["status"] for i in d["CAUGHT_BY"]}
    escaped = [i for i, s in statuses.items() if s not in ("fail", "error")]
    assert not escaped, f"{mutant.name} was not caught by {escaped}: {statuses}\n{proc.stdout[-2000:]}"
    assert proc.returncode == 1, f"pytest should exit 1 on a caught mutant, got {proc.returncode}"
    for i in d["CAUGHT_BY"]:
        message = report["items"][i]["message"]
        assert i in message or "raised" in message or "timed out" in message, message
