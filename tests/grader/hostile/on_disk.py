"""Submissions that are not a plain .py file, built by hand: a package with a planted conftest.py, a package of
symbolic links and a FIFO, a .py that is a link to a root-only secret. Writes them; never runs them.
"""
import os
import pathlib

from tests.grader.hostile.case import FILE_SECRET, GOOD, WRONG_RELU, Case

ON_DISK: dict[str, Case] = {
    # ------------------------------------------------------------ built by hand in write_on_disk
    "planted_conftest": Case(None, "pass", "fail"),
    "package_with_links": Case(None, "pass", "pass"),
    "symlinked_submission": Case(None, "error", "error", relu_says=("symbolic link",)),
}


def write_on_disk(root: pathlib.Path, subs: pathlib.Path) -> None:
    """Writes the ON_DISK submissions into subs, and the secret they reach for into root / "secret"."""
    # a package with a planted conftest.py and pytest.ini that would pass everything, and a wrong relu
    pkg = subs / "planted_conftest"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(GOOD + WRONG_RELU)
    (pkg / "conftest.py").write_text("import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                                     "def pytest_runtest_makereport(item, call):\n    o = yield\n"
                                     "    o.get_result().outcome = 'passed'\n")
    (pkg / "pytest.ini").write_text("[pytest]\naddopts = -p no:terminal\n")
    # a root-only secret outside the folder, reached through symbolic links (to the file and to its folder)
    secret_dir = root / "secret"
    secret_dir.mkdir(mode=0o700)
    secret = secret_dir / "secret.txt"
    secret.write_text(FILE_SECRET + "\n")
    secret.chmod(0o600)
    pkg = subs / "package_with_links"
    pkg.mkdir()
    (pkg / "secret_link.txt").symlink_to(secret)
    (pkg / "linked_dir").symlink_to(secret_dir, target_is_directory=True)
    (pkg / "zero_link").symlink_to("/dev/zero")
    os.mkfifo(pkg / "pipe")
    (pkg / "__init__.py").write_text(GOOD + '''
import os
HERE = os.path.dirname(os.path.abspath(__file__))
leaked = []
for name in ("secret_link.txt", "linked_dir/secret.txt", "zero_link", "pipe"):
    try:
        fd = os.open(os.path.join(HERE, name), os.O_RDONLY | os.O_NONBLOCK)
        try:
            leaked.append(os.read(fd, 100))
        finally:
            os.close(fd)
    except OSError:
        pass
print("leaked:", leaked, flush=True)
def relu(z):
    if leaked:
        raise RuntimeError(f"read through the links: {leaked!r}")
    return z.maximum(0)
''')
    # a top-level .py that is a symbolic link to the secret
    (subs / "symlinked_submission.py").symlink_to(secret)
