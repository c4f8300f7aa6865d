"""Project 5: the walkthrough of tinygrad's backward() runs as written, against the pinned tinygrad."""
import importlib
import pathlib
import re

import pytest

pytestmark = pytest.mark.walkthrough
DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "project5-tinygrad-backward.md"
# (function, file it is said to live in) as the walkthrough names them
CITED = [("tinygrad.tensor", "Tensor.backward", "tensor.py"),
         ("tinygrad.uop.ops", "UOp.toposort", "uop/ops.py"),
         ("tinygrad.mixin.op", "OpMixin.gradient", "mixin/op.py"),
         ("tinygrad.mixin.gradient", "compute_gradient", "mixin/gradient.py"),
         ("tinygrad.mixin.gradient", "_deepwalk", "mixin/gradient.py"),
         ("tinygrad.mixin.gradient", "pm_gradient", "mixin/gradient.py"),
         ("tinygrad.mixin.gradient", "reduce_gradient", "mixin/gradient.py")]


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_every_code_block_runs_in_order():
    blocks = code_blocks()
    assert len(blocks) >= 6
    namespace: dict = {}
    for i, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name}, block {i}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"code block {i} of {DOC.name} no longer runs: {exc!r}\n{block}") from exc


@pytest.mark.parametrize("module, name, path", CITED)
def test_cited_functions_live_where_the_walkthrough_says(module, name, path):
    text = DOC.read_text()
    assert name.split(".")[-1] in text and path in text
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    source_file = importlib.import_module(module).__file__
    assert source_file.replace("\\", "/").endswith("tinygrad/" + path), f"{name} is in {source_file}, not {path}"


def test_the_pinned_version_is_the_one_described():
    from importlib.metadata import version
    assert version("tinygrad") == "0.14.0" and "0.14.0" in DOC.read_text()
