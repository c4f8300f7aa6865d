"""Section 15 of the guide, Project 6 (spec/s15_projects.toml): weights files, saved and loaded exactly, and bad
files refused without a change to the model. Never imports the implementation.
"""
import io

import numpy as np
import pytest
from aifund.remote import ImplementationRaised, Tensor, current, tensor_claims

from aifund.kit.check import fail, require

spec = pytest.mark.spec


# ------------------------------------------------------------------ Project 6: weights files
def same_parameters(a, b) -> bool:
    pa, pb = a.parameters(), b.parameters()
    return len(pa) == len(pb) and all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(pa, pb))


@spec("p6.weights.round_trip")
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_weights_round_trip(impl, model):
    make = (lambda: impl.MLP([7, 5, 3])) if model == "mlp" else impl.SimpleCNN
    Tensor.manual_seed(1)
    source = make()
    Tensor.manual_seed(2)
    target = make()
    path = current().scratch_path("weights.npz")     # a file in the implementation's process
    impl.save_weights(source, path)
    originals = [p.numpy() for p in source.parameters()]
    with np.load(io.BytesIO(current().read_file("weights.npz")), allow_pickle=False) as archive:
        require(len(archive.files) == len(originals),
                f"the .npz file holds {len(archive.files)} arrays, the model has {len(originals)} parameters")
        for i, (name, original) in enumerate(zip(archive.files, originals)):
            stored = archive[name]
            require(stored.dtype == original.dtype and stored.shape == original.shape
                    and np.array_equal(stored, original),
                    f"{model}: array {name!r} of the file is {stored.dtype} {stored.shape}, parameter {i} is "
                    f"{original.dtype} {original.shape}: save_weights must store every value exactly")
    impl.load_weights(target, path)
    for i, (x, y) in enumerate(zip(source.parameters(), target.parameters())):
        require(np.array_equal(x.numpy(), y.numpy()) and tensor_claims(x) == tensor_claims(y),
                f"{model}: parameter {i} differs after save_weights / load_weights (a round trip must be exact)")


def _rewrite(name, arrays: dict):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    current().write_file(name, buffer.getvalue())


@spec("p6.weights.refuses_bad_files")
@pytest.mark.parametrize("damage", ["missing array", "extra array", "wrong shape", "wrong dtype", "not an archive"])
def test_weights_refuse_bad_files(impl, damage):
    Tensor.manual_seed(1)
    model = impl.MLP([4, 3, 2])
    impl.save_weights(impl.MLP([4, 3, 2]), current().scratch_path("good.npz"))
    with np.load(io.BytesIO(current().read_file("good.npz")), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    # A refusal counts only from a loader that accepts a good file: one that raises on everything refuses
    # nothing in particular. The good file must load, and the model must then hold its arrays.
    try:
        impl.load_weights(model, current().scratch_path("good.npz"))
    except ImplementationRaised as exc:
        fail(f"load_weights raised on a good weights file (written by save_weights): {exc}")
    before = [p.numpy().copy() for p in model.parameters()]
    key = lambda a: (a.shape, a.tobytes())   # noqa: E731 - the arrays as a multiset: names are the implementation's
    require(sorted(map(key, before)) == sorted(key(np.asarray(a, np.float32)) for a in arrays.values()),
            "load_weights of a good file did not give the model the file's arrays")
    names = list(arrays)
    bad = current().scratch_path("bad.npz")
    if damage == "missing array":
        del arrays[names[-1]]
        _rewrite("bad.npz", arrays)
    elif damage == "extra array":          # a file for a larger model: the order cannot say which arrays fit
        arrays[f"p{len(names)}" if f"p{len(names)}" not in arrays else names[-1] + "_extra"] = np.zeros(3, np.float32)
        _rewrite("bad.npz", arrays)
    elif damage == "wrong shape":
        arrays[names[0]] = np.zeros((5, 3), arrays[names[0]].dtype)
        _rewrite("bad.npz", arrays)
    elif damage == "wrong dtype":
        arrays[names[0]] = arrays[names[0]].astype(np.float64)
        _rewrite("bad.npz", arrays)
    else:
        current().write_file("bad.npz", b"this is not a zip archive")
    try:
        impl.load_weights(model, bad)
    except Exception:
        pass
    else:
        fail(f"load_weights accepted a weights file with a {damage}; it must raise")
    after = [p.numpy() for p in model.parameters()]
    changed = [i for i, (x, y) in enumerate(zip(before, after)) if not np.array_equal(x, y)]
    require(not changed, f"load_weights refused a file with a {damage} but had already changed parameters {changed}")
