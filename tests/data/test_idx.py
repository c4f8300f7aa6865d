"""The IDX reader: real files read and verified, every kind of bad file refused with a message naming it."""
import gzip
import hashlib

import numpy as np
import pytest

from aifund.training.datasets import MNIST_FILES, mnist_file
from aifund.training.idx import IDXError, read_idx

pytestmark = pytest.mark.data


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_reads_the_official_test_set_with_both_checksums(shared_mnist):
    images = read_idx(mnist_file("t10k-images-idx3-ubyte", shared_mnist), MNIST_FILES["t10k-images-idx3-ubyte"])
    labels = read_idx(mnist_file("t10k-labels-idx1-ubyte", shared_mnist), MNIST_FILES["t10k-labels-idx1-ubyte"])
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]   # the well-known first test labels


def test_raw_and_gzip_give_the_same_array(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw").write_bytes(idx_bytes(a))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(a)))
    assert np.array_equal(read_idx(tmp_path / "raw"), a)
    assert np.array_equal(read_idx(tmp_path / "packed.gz"), a)


def test_checksum_is_of_the_decompressed_content(tmp_path):
    data = idx_bytes(np.arange(10, dtype=np.uint8))
    for level in (1, 9):   # differently compressed copies of the same content both verify
        path = tmp_path / f"labels{level}.gz"
        path.write_bytes(gzip.compress(data, compresslevel=level))
        read_idx(path, {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()})


@pytest.mark.parametrize("damage, message", [
    ("missing", "file not found"),
    ("truncated gzip", "damaged gzip"),
    ("wrong magic", "not an IDX file"),
    ("size mismatch", "the header promises shape (10,)"),
    ("checksum", "checksum mismatch"),
])
def test_bad_files_are_refused_naming_the_file(tmp_path, damage, message):
    data = idx_bytes(np.arange(10, dtype=np.uint8))
    path = tmp_path / "labels.gz"
    checksums = None
    if damage == "truncated gzip":
        path.write_bytes(gzip.compress(data)[:-12])
    elif damage == "wrong magic":
        path.write_bytes(gzip.compress(b"\x1f\x00" + data[2:]))
    elif damage == "size mismatch":
        path.write_bytes(gzip.compress(data[:-3]))
    elif damage == "checksum":
        path.write_bytes(gzip.compress(data))
        checksums = {"sha256": "0" * 64}
    with pytest.raises(IDXError) as info:
        read_idx(path, checksums)
    assert message in str(info.value) and str(path) in str(info.value)
