"""Integrity flags for the worker's own code: an implementation that rewrites how the worker answers (its
read path, the audit that records imports) is flagged for staff, even when its values come out right.

The flags are for a person to read, not a grade: all of this runs in the implementation's own process."""
import json
import subprocess
import sys

import pytest

from tests.meta.run_suite import clean_env

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(300)]

# an identity "relu" whose outputs the worker's read path turns into relu's on their way to the kit
LIAR = '''
import sys
import numpy as np
_outs = {}

def relu(x):
    out = x * 1
    _outs[id(out)] = out
    return out

Worker = sys.modules["__main__"].Worker
_read = Worker.op_read

def op_read(self, header, blobs):
    value = _read(self, header, blobs)
    return np.maximum(value, 0).astype(value.dtype) if _outs.get(id(self._obj(header["obj"]))) is not None else value

Worker.op_read = op_read
'''
# silences the audit, then imports torch under a name the static scan cannot read
QUIET_TORCH = '''
import importlib, sys
sys.modules["aifund.worker.audit"].Audit._add = lambda self, kind, detail: None
torch = importlib.import_module("to" + "rch")

def relu(x):
    return x.maximum(0)
'''


@pytest.mark.parametrize("source, flagged", [(LIAR, "worker.Worker.op_read"), (QUIET_TORCH, "audit.Audit._add")],
                         ids=["rewrites_the_read_path", "silences_the_audit"])
def test_changes_to_the_workers_own_code_are_flagged(tmp_path, source, flagged):
    (tmp_path / "mine.py").write_text(source)
    proc = subprocess.run([sys.executable, "-m", "pytest", "--impl", "mine.py", "--spec-items", "act.relu.values",
                           "--conformance-json", "r.json", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=clean_env())
    report = json.loads((tmp_path / "r.json").read_text())
    details = [f["detail"] for f in report["integrity"]]
    assert any(flagged in d for d in details), (details, proc.stdout[-2000:])
    assert "integrity flags" in proc.stdout


# ------------------------------------------------------------------ no false alarms (in this process)
def _package(tmp_path, name):
    """A package with one submodule that is loaded only when imported (as numpy loads numpy.polynomial)."""
    import importlib
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("def f():\n    return 1\n")
    (folder / "sub.py").write_text("X = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_lazily_loaded_submodule_is_not_a_replacement(tmp_path):
    import importlib
    import types

    from aifund.worker.audit import Snapshot
    pkg = _package(tmp_path, "lazy_pkg_a")
    snapshot = Snapshot({"lazy_pkg_a": pkg})
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("lazy_pkg_a.sub")          # appears as lazy_pkg_a.sub: numpy.linalg's case
    finally:
        sys.path.remove(str(tmp_path))
    assert [c for c in snapshot.changes() if "lazy_pkg_a" in c["detail"]] == []
    # a module made up by the implementation under a submodule's name is still flagged, as is a function
    fake = types.ModuleType("lazy_pkg_a.other")
    sys.modules["lazy_pkg_a.other"] = pkg.other = fake
    pkg.f = lambda: 2
    details = {c["detail"] for c in snapshot.changes()}
    assert {f"lazy_pkg_a.{k} was changed by the implementation" for k in ("other", "f")} <= details
    # and replacing the submodule once loaded is a replacement
    pkg.sub = types.ModuleType("lazy_pkg_a.sub")
    assert "lazy_pkg_a.sub was changed by the implementation" in {c["detail"] for c in snapshot.changes()}
    del sys.modules["lazy_pkg_a.other"]


def test_numpy_random_is_compared_and_the_kits_seeding_is_not_flagged():
    import numpy
    from tinygrad import Tensor

    from aifund.worker.audit import Snapshot
    original_seed, original_rand = Tensor._seed, numpy.random.rand
    snapshot = Snapshot()
    try:
        for seed in (1, 2):
            snapshot.kit_write("tinygrad.Tensor", lambda: Tensor.manual_seed(seed))
        Tensor.rand(3).numpy()                               # the RNG fills its own dicts: not a replacement
        numpy.random.seed(0)                                 # using numpy's global RNG is not a replacement
        Tensor.manual_seed(5)                                # nor is the implementation seeding tinygrad
        Tensor.rand(3).numpy()
        assert snapshot.changes() == []
        # a fresh baseline: after a reseed of its own, _seed = 7 alone is what manual_seed(7) leaves
        snapshot = Snapshot()
        numpy.random.rand = lambda *shape: numpy.zeros(shape)
        Tensor._seed = 7                                     # the implementation's write, then the kit's seed
        snapshot.kit_write("tinygrad.Tensor", lambda: Tensor.manual_seed(3))
        details = {c["detail"] for c in snapshot.changes()}
        assert details == {"numpy.random.rand was changed by the implementation",
                           "tinygrad.Tensor._seed was changed by the implementation"}, details
    finally:
        numpy.random.rand = original_rand
        Tensor.manual_seed(original_seed)


def test_the_audit_does_not_flag_a_package_called_impl_for_its_own_imports(tmp_path):
    from aifund.worker.audit import Audit
    audit = Audit()
    audit.own("impl", str(tmp_path / "impl"))
    audit._hook("import", ("impl.layers",))
    audit._hook("open", (str(tmp_path / "impl" / "layers.py"),))
    assert audit.records() == []
    audit._hook("import", ("tests.conformance",))
    audit._hook("open", ("/kit/impl/layers.py",))
    assert [r["kind"] for r in audit.records()] == ["import", "open"]


def test_the_static_scan_reads_code_not_prose(tmp_path):
    import pathlib

    from aifund.integrity import scan
    pkg = tmp_path / "impl"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""My impl/ of the guide; run the tests/ folder."""\n'
                                     'from impl.layers import Linear\n')
    (pkg / "layers.py").write_text('class Linear:\n    """See spec/ for what it must do."""\n')
    assert scan(pkg) == []
    (pkg / "cheat.py").write_text('import tests.conformance\nPATH = "/kit/impl/layers.py"\n')
    (pkg / "doc.py").write_text('"""/kit/impl/activations.py"""\nsource = open(__doc__).read()\n')
    kinds = sorted((f["kind"], f["detail"].split(":")[0]) for f in scan(pathlib.Path(pkg)))
    assert kinds == [("source import", "cheat.py"), ("source path", "cheat.py"), ("source path", "doc.py")], kinds
    # a single file that imports the reference is still flagged
    (tmp_path / "mine.py").write_text("from impl import sigmoid\n")
    assert [f["kind"] for f in scan(tmp_path / "mine.py")] == ["source import"]


def test_importing_the_framework_the_implementation_is_written_in_is_not_flagged(tmp_path):
    """torch is what a PyTorch implementation must import; in a tinygrad one it is a way around the work."""
    from aifund.integrity import scan
    (tmp_path / "mine.py").write_text("import torch\nfrom impl import sigmoid\n")
    assert [f["detail"] for f in scan(tmp_path / "mine.py", "torch")] == ["mine.py:2 imports impl"]
    assert [f["detail"] for f in scan(tmp_path / "mine.py", "tinygrad")] == ["mine.py:1 imports torch",
                                                                           "mine.py:2 imports impl"]
