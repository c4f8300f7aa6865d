"""Every variant the spec names for an item (spec/s*.toml `variants`) is an explicit example of that item's test.

Four random examples (the grading profile) cannot be trusted to visit every branch the contract documents, so
each variant is pinned by an `@example(...).via("variant: NAME")` (several: "variants: A | B") on a test marked
with the item, and every profile runs explicit examples. Read from the test modules' source: Hypothesis keeps no
record of `.via`.
"""
import ast
import pathlib

from hypothesis import Phase

from aifund.kit.profiles import BASE
from aifund.spec import load_items

CONFORMANCE = pathlib.Path(__file__).parents[1] / "conformance"
ITEMS = load_items()


def _labels(decorator: ast.expr) -> list[str]:
    """The variant names of an `example(...).via("variant(s): ...")` decorator, else []."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr == "via"
            and isinstance(decorator.func.value, ast.Call) and getattr(decorator.func.value.func, "id", "") == "example"
            and decorator.args and isinstance(decorator.args[0], ast.Constant)):
        return []
    head, _, names = str(decorator.args[0].value).partition(":")
    return [n.strip() for n in names.split("|")] if head.strip() in ("variant", "variants") else []


def explicit_variants() -> dict[str, set[str]]:
    """{item id: the variant names its tests' explicit examples declare}."""
    found: dict[str, set[str]] = {}
    for path in sorted(CONFORMANCE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            items = [a.value for d in node.decorator_list if isinstance(d, ast.Call)
                     and getattr(d.func, "id", "") == "spec" for a in d.args if isinstance(a, ast.Constant)]
            labels = {label for d in node.decorator_list for label in _labels(d)}
            for item in items:
                found.setdefault(item, set()).update(labels)
    return found


def test_every_variant_has_an_explicit_example():
    found = explicit_variants()
    missing = {i: sorted(set(item.variants) - found.get(i, set())) for i, item in ITEMS.items()}
    missing = {i: v for i, v in missing.items() if v}
    assert not missing, f"variants with no @example(...).via('variant: NAME') in the item's test: {missing}"


def test_every_explicit_variant_is_named_in_the_spec():
    """A label that matches no listed variant (a typo, a variant dropped from the spec) is not silently kept."""
    stray = {i: sorted(v - set(ITEMS[i].variants)) for i, v in explicit_variants().items() if i in ITEMS}
    stray = {i: v for i, v in stray.items() if v}
    assert not stray, f"explicit examples name variants the spec does not list: {stray}"


def test_the_variant_list_is_not_empty():
    assert sum(len(item.variants) for item in ITEMS.values()) >= 20


def test_every_profile_runs_explicit_examples():
    skipping = [name for name, profile in BASE.items() if Phase.explicit not in profile.phases]
    assert not skipping, f"profiles that would skip the variants' explicit examples: {skipping}"


def test_the_grading_profile_visits_the_with_bias_branch_of_conv2d(tmp_path):
    """Four random draws once missed the bias: a conv2d that raises on any bias then passed conv.conv2d.values.
    The explicit with-bias example reaches it in every profile, so the item cannot pass."""
    from tests.meta.run_suite import run_conformance
    fixture = pathlib.Path(__file__).parent / "fixtures" / "conv_raises_on_bias.py"
    report, _ = run_conformance(fixture, tmp_path, items=["conv.conv2d.values"], profile="grading")
    entry = report["items"]["conv.conv2d.values"]
    assert entry["status"] != "pass", entry
    assert "bias is not supported yet" in entry["message"], entry["message"][:600]
