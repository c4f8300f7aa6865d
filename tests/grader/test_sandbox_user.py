"""A submission's own user: it cannot signal the grader's processes, and the grader knows when it can use one."""
import os
import pathlib
import signal
import subprocess
import tempfile

import pytest

from grader.sandbox_user import become, hand_over, isolation_plan, next_uid, others_can_reach
from grader.run import KIT

pytestmark = pytest.mark.grader
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root (the grader then runs "
                                                        "submissions as its own user and says so)")


def test_others_can_reach_follows_every_folder_on_the_way():
    with tempfile.TemporaryDirectory(dir="/tmp") as top:   # pytest's own tmp_path sits in a 0700 folder
        check_reach(pathlib.Path(top))


def check_reach(tmp_path):
    outer = tmp_path / "outer"
    inner = outer / "inner"
    inner.mkdir(parents=True)
    f = inner / "kit.py"
    f.write_text("x = 1\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(outer, 0o755)
    os.chmod(inner, 0o755)
    os.chmod(f, 0o644)
    assert others_can_reach(f) is None
    os.chmod(outer, 0o700)
    assert others_can_reach(f) == str(outer)
    os.chmod(outer, 0o755)
    os.chmod(f, 0o600)
    assert others_can_reach(f) == str(f)


def test_uids_differ_between_submissions():
    assert len({next_uid() for _ in range(50)}) == 50


def test_isolation_plan_gives_a_reason_either_way():
    separate, why = isolation_plan(KIT)
    assert isinstance(separate, bool) and why
    if not separate:
        assert "own user" in why


@as_root
def test_a_submission_user_cannot_kill_the_graders_processes(tmp_path):
    victim = subprocess.Popen(["sleep", "60"])          # stands for the grader and the other submissions
    uid = next_uid()
    hand_over(tmp_path, uid)
    assert os.stat(tmp_path).st_uid == uid and os.stat(tmp_path).st_mode & 0o777 == 0o700
    try:
        proc = subprocess.run(["/bin/sh", "-c", f"id -u; kill -9 {victim.pid} && echo killed || echo refused"],
                              preexec_fn=lambda: become(uid), capture_output=True, text=True, cwd=tmp_path, timeout=30)
        lines = proc.stdout.split()
        assert lines[0] == str(uid)
        assert lines[-1] == "refused", proc.stdout + proc.stderr
        assert victim.poll() is None
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
