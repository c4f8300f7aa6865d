"""The console scripts end quietly on a closed pipe (``aifund-contract items | head``): exit 141, as a shell
reports SIGPIPE, and nothing on stderr (aifund/closed_pipe.py). Standard output is a pipe whose reading end
is closed before the command starts, so every run meets the closed pipe, however fast it writes. (--help is
argparse's, which already ends quietly, exit 0.)"""
import os
import subprocess
import sys

import pytest

from aifund import contract
from tests.meta.run_suite import REPO

pytestmark = pytest.mark.meta


@pytest.mark.parametrize("module, args", [
    ("aifund.contract", ["items"]),
    ("aifund.contract", ["doc"]),
    ("aifund.contract", ["starter"]),
])
def test_a_closed_pipe_ends_the_command_quietly(module, args):
    read, write = os.pipe()
    os.close(read)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        proc = subprocess.run([sys.executable, "-m", module, *args], stdout=write, stderr=subprocess.PIPE,
                              cwd=REPO, env=env, text=True, timeout=120)
    finally:
        os.close(write)
    assert proc.returncode == 141 and proc.stderr == "", (proc.returncode, proc.stderr[-2000:])


def test_the_starter_tells_an_installed_kits_user_what_to_run():
    doc = contract.starter_module().split('"""')[1]
    assert "./conformance" not in doc and "pytest --impl THIS_FILE --partial" in doc and "aifund-conformance" in doc
