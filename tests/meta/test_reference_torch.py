"""The PyTorch reference (impl_torch/) beside the tinygrad one: the same contract names, and the same numpy files."""
import ast
import pathlib

import pytest

from aifund.spec import CONTRACT_NAMES

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]
NUMPY_MODULES = ("augment.py", "early_stopping.py", "numpy_neuron.py", "quantize.py")


def exported(folder: pathlib.Path) -> set:
    for node in ast.parse((folder / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            return set(ast.literal_eval(node.value))
    return set()


def test_it_exports_every_contract_name():
    assert exported(ROOT / "impl_torch") == set(CONTRACT_NAMES) == exported(ROOT / "impl")


@pytest.mark.parametrize("name", NUMPY_MODULES)
def test_its_numpy_modules_are_the_tinygrad_references_own(name):
    """Framework-free code is one text in two folders (each folder is mounted alone in the sandbox)."""
    assert (ROOT / "impl_torch" / name).read_text() == (ROOT / "impl" / name).read_text()


def test_it_never_imports_tinygrad_nor_the_kit():
    for path in (ROOT / "impl_torch").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not [n for n in names if n.split(".")[0] in ("tinygrad", "aifund", "impl")], path.name
