"""Every deliberately wrong implementation in tests/mutants is caught by the items it names."""
import ast
import pathlib

import pytest

from aifund.spec import load_items
from tests.meta.run_suite import run_batch

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(1800)]   # a batch runs half the corpus (minutes on a busy machine)
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


# The corpus runs in GROUPS batch processes (tests.meta.batch_runner), one per pytest-xdist worker
# under --dist loadgroup, instead of one process per mutant: start-up and imports dominate otherwise.
GROUPS = 2


def group_of(path: pathlib.Path) -> int:
    return MUTANTS.index(path) % GROUPS


@pytest.fixture(scope="session")
def corpus_reports(tmp_path_factory):
    done = {}

    def reports(group: int) -> dict:
        if group not in done:
            jobs = [{"name": m.stem, "impl": m, "items": declared(m)["CAUGHT_BY"]} for m in MUTANTS if group_of(m) == group]
            done[group] = run_batch(jobs, tmp_path_factory.mktemp(f"mutants{group}"))
        return done[group]
    return reports


def test_every_item_of_the_implementation_is_killed_by_some_mutant():
    """A check that no wrong implementation fails is not known to be able to fail.

    Items that need no contract name check the guide's own claims (or tinygrad's) and are exempt; items of
    another framework are the PyTorch corpus's (tests/meta/test_mutants_torch.py).
    """
    declared_items = {i for m in MUTANTS for i in declared(m)["CAUGHT_BY"]}
    unkilled = [i for i, item in ITEMS.items() if item.needs and item.applies_to("tinygrad") and i not in declared_items]
    assert not unkilled, f"no mutant in tests/mutants is declared to be caught by: {unkilled}"


@pytest.mark.parametrize("mutant", [pytest.param(m, id=m.stem, marks=pytest.mark.xdist_group(f"mutants-{i % GROUPS}"))
                                    for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(mutant, corpus_reports):
    d = declared(mutant)
    results = corpus_reports(group_of(mutant))
    report, code = results[mutant.stem]
    assert report is not None, f"the suite wrote no report for {mutant.name}:\n{results['_output']}"
    statuses = {i: report["items"][i]["status"] for i in d["CAUGHT_BY"]}
    # Caught means a wrong value was found: "error" (it raised, timed out, died) says nothing about the
    # check, and a mutant that only errors would hide a check that can no longer fail.
    escaped = {i: s for i, s in statuses.items() if s != "fail"}
    assert not escaped, (f"{mutant.name} was not caught (each declared item must be 'fail'): {escaped}\n"
                         + "\n".join(f"{i}: {report['items'][i]['message'][:600]}" for i in escaped))
    assert code == 1, f"pytest should exit 1 on a caught mutant, got {code}"
    for i in d["CAUGHT_BY"]:
        message = report["items"][i]["message"]
        assert i in message, message
