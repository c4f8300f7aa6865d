"""Which spec items each conformance test checks, read from the test modules' spec marks (no submission involved)."""
import functools
import importlib
import pathlib

CONFORMANCE = pathlib.Path(__file__).resolve().parents[1] / "tests" / "conformance"


@functools.cache
def items_by_nodeid() -> dict[str, list[str]]:
    out = {}
    for path in sorted(CONFORMANCE.glob("test_s*.py")):
        module = importlib.import_module(f"tests.conformance.{path.stem}")
        for name, fn in vars(module).items():
            if name.startswith("test_") and callable(fn):
                ids = [a for m in getattr(fn, "pytestmark", []) if m.name == "spec" for a in m.args]
                out[f"tests/conformance/{path.name}::{name}"] = ids
    return out
