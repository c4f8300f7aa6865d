"""Data sets by name: shapes, value ranges, labels, the data directory option, clear errors."""
import numpy as np
import pathlib

import pytest

from aifund.training.datasets import DATA_ENV, NAMES, DataMissing, data_dir, load_dataset

pytestmark = pytest.mark.data

EXPECTED = {  # name: (train size, test size, features, classes)
    "mnist-5k": (5000, 10000, 784, 10),
    "digits": (1347, 450, 64, 10),
    "iris": (105, 45, 4, 3),
    "xor": (4, 4, 2, 2),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_data_sets(name, shared_mnist):
    ds = load_dataset(name)
    n_train, n_test, features, classes = EXPECTED[name]
    assert ds.x_train.shape == (n_train, features) and ds.x_test.shape == (n_test, features)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.n_classes == classes and set(np.unique(ds.y_train)) == set(range(classes))
    if ds.image_shape:
        assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
        assert ds.images(ds.x_test[:3]).shape == (3, *ds.image_shape)


def test_mnist_5k_is_balanced_and_disjoint_from_the_test_set(shared_mnist):
    ds = load_dataset("mnist-5k")
    assert np.bincount(ds.y_train).tolist() == [500] * 10
    train = {row.tobytes() for row in (ds.x_train * 255).round().astype(np.uint8)}
    test = {row.tobytes() for row in (ds.x_test * 255).round().astype(np.uint8)}
    assert not train & test, "a training image appears in the official test set"


def test_data_dir_option_beats_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    monkeypatch.delenv(DATA_ENV)
    import aifund.training.datasets as datasets
    monkeypatch.setattr(datasets, "BESIDE_CHECKOUT", tmp_path / "shared" / "data")
    assert data_dir() == pathlib.Path.home() / ".cache" / "aifund" / "data", "no shared/data beside the checkout"
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert data_dir() == tmp_path / "shared" / "data", "shared/data beside a checkout comes before the cache"
    monkeypatch.setattr(datasets, "CHECKOUT", tmp_path / "site-packages")
    assert data_dir() == pathlib.Path.home() / ".cache" / "aifund" / "data", "an installed kit has no checkout"


def test_missing_mnist_says_which_file_and_how_to_get_it(tmp_path):
    with pytest.raises(DataMissing) as info:
        load_dataset("mnist", tmp_path)
    text = str(info.value)
    assert "idx3-ubyte[.gz] not found" in text and str(tmp_path) in text and "download" in text


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: " + ", ".join(NAMES)):
        load_dataset("cifar-10")
