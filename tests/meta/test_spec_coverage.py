"""Every spec item has a test, every conformance test names its items, files mirror sections."""
import importlib
import pathlib
import re

import pytest

from aifund import reference as impl
from aifund.spec import load_items

pytestmark = pytest.mark.meta
ITEMS = load_items()
CONFORMANCE = pathlib.Path(__file__).parents[1] / "conformance"


def conformance_tests():
    for path in sorted(CONFORMANCE.glob("test_s*.py")):
        module = importlib.import_module(f"tests.conformance.{path.stem}")
        for name, fn in vars(module).items():
            if name.startswith("test_") and callable(fn):
                marks = getattr(fn, "pytestmark", [])
                ids = [a for m in marks if m.name == "spec" for a in m.args]
                yield path.stem, name, ids


def test_every_conformance_test_names_known_items():
    for module, name, ids in conformance_tests():
        assert ids, f"{module}.{name} has no @pytest.mark.spec(...)"
        unknown = set(ids) - set(ITEMS)
        assert not unknown, f"{module}.{name} names unknown spec items {unknown}"


def test_every_spec_item_has_a_test():
    tested = {i for _, _, ids in conformance_tests() for i in ids}
    untested = [i for i in ITEMS if i not in tested]
    assert not untested, f"spec items without a test: {untested}"


def test_reading_a_module_without_importing_it_finds_the_items_its_tests_mark():
    """A run with --spec-items does not import a module whose source names none of them
    (aifund.kit.selection.skips_module): the source reading must find every item the imported marks carry."""
    from aifund.kit.selection import named_in, skips_module
    for path in sorted(CONFORMANCE.glob("test_s*.py")):
        marked = {i for module, _, ids in conformance_tests() if module == path.stem for i in ids}
        assert set(named_in(path) or ()) == marked, path.name
        assert not skips_module(path, ",".join(sorted(marked)[:1])) and skips_module(path, "no.such.item")


def test_a_module_whose_marks_cannot_be_read_is_imported(tmp_path):
    from aifund.kit.selection import skips_module
    computed = tmp_path / "test_computed.py"
    computed.write_text("import pytest\nID = 'act.relu.values'\n@pytest.mark.spec(ID)\ndef test_x(): pass\n")
    assert not skips_module(computed, "optim.adam.trajectory")
    quoted = tmp_path / "test_quoted.py"
    quoted.write_text("import pytest\n@pytest.mark.spec('act.relu.values')\ndef test_x(): pass\n")
    assert not skips_module(quoted, "optim.adam.trajectory")
    plain = tmp_path / "test_plain.py"
    plain.write_text('import pytest\n@pytest.mark.spec("act.relu.values", "act.relu.gradient")\ndef test_x(): pass\n')
    assert skips_module(plain, "optim.adam.trajectory") and not skips_module(plain, "act.relu.")


def test_test_modules_mirror_guide_sections():
    for module, name, ids in conformance_tests():
        section = str(int(re.match(r"test_s(\d+)_", module).group(1)))
        for i in ids:
            assert ITEMS[i].section == section, f"{module}.{name} checks {i} of section {ITEMS[i].section}"


def test_every_section_file_has_a_spec_file():
    spec_sections = {item.section for item in ITEMS.values()}
    test_sections = {str(int(re.match(r"test_s(\d+)_", p.stem).group(1))) for p in CONFORMANCE.glob("test_s*.py")}
    assert spec_sections == test_sections


def test_reference_defines_every_name_the_spec_needs():
    needed = {n for item in ITEMS.values() for n in item.needs}
    assert not [n for n in needed if not hasattr(impl, n)], "the reference would report these items as missing"


def test_spec_ids_are_stable_and_readable():
    for item_id, item in ITEMS.items():
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", item_id), item_id
        assert item.statement and item.title and item.oracles
