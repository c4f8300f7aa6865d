import pathlib

import pytest

from aifund.training.datasets import data_dir, mnist_file


@pytest.fixture(scope="session")
def shared_mnist() -> pathlib.Path:
    """The data directory holding the official MNIST test files (aifund.training.datasets.data_dir: --data-dir, $AIFUND_DATA, ../shared/data beside the checkout, ~/.cache)."""
    directory = data_dir()
    try:
        mnist_file("t10k-images-idx3-ubyte", directory)
        mnist_file("t10k-labels-idx1-ubyte", directory)
    except FileNotFoundError as exc:
        pytest.skip(f"the official MNIST test files are not in the data directory: {exc}")
    return directory
