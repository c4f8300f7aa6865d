"""The download code, run against file:// mirrors (tests never use the network)."""
import gzip
import shutil

import pytest

from aifund.training.datasets import DataMissing, download_mnist

pytestmark = pytest.mark.data
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture
def mirror(shared_mnist, tmp_path):
    """A local mirror holding the official test files, served as file:// URLs."""
    root = tmp_path / "mirror"
    root.mkdir()
    for name in TEST_FILES:
        shutil.copy(shared_mnist / "mnist" / f"{name}.gz", root / f"{name}.gz")
    return root


def test_download_verifies_and_then_uses_the_cache(mirror, tmp_path):
    log = []
    target = download_mnist(tmp_path / "data", mirrors=(mirror.as_uri() + "/",), names=TEST_FILES, log=log.append)
    assert all((target / f"{n}.gz").is_file() for n in TEST_FILES)
    assert all("downloaded" in line for line in log)
    log.clear()
    download_mnist(tmp_path / "data", mirrors=("file:///nonexistent/",), names=TEST_FILES, log=log.append)
    assert all("cached, checksum ok" in line for line in log)


def test_a_corrupt_cache_entry_is_fetched_again(mirror, tmp_path):
    target = tmp_path / "data" / "mnist"
    target.mkdir(parents=True)
    (target / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"not mnist"))
    log = []
    download_mnist(tmp_path / "data", mirrors=(mirror.as_uri() + "/",), names=TEST_FILES[1:], log=log.append)
    assert "checksum mismatch" in log[0] and "downloaded" in log[1]


def test_a_bad_mirror_falls_through_to_the_next_and_leaves_no_partial_file(mirror, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 8))
    download_mnist(tmp_path / "data", mirrors=(bad.as_uri() + "/", mirror.as_uri() + "/"),
                   names=TEST_FILES[1:], log=lambda _: None)
    assert sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir()) == ["t10k-labels-idx1-ubyte.gz"]


def test_no_mirror_works_is_a_clear_error(tmp_path):
    with pytest.raises(DataMissing, match="could not fetch t10k-labels-idx1-ubyte"):
        download_mnist(tmp_path / "data", mirrors=("file:///nonexistent/",), names=TEST_FILES[1:], log=lambda _: None)
    assert not any((tmp_path / "data" / "mnist").iterdir())
