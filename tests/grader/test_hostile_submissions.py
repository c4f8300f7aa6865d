"""Hostile and broken submissions are graded as they deserve, reported clearly, and do not disturb each other.

One ./grade run over one folder (two submissions at a time, two spec items:
act.sigmoid.values and act.relu.values) exercises the real command, its
parallelism, its copy step, the sandbox and its class summary. Each submission
starts from a correct sigmoid and relu (written out, not imported) and adds one
kind of trouble: crashes, endless loops, floods of output, tampering with the
kit or the results channel, reaching for the reference or a classmate's file,
a detached daemon, symbolic links and FIFOs, malformed protocol frames.

The pytest process that checks the items never imports a submission: each runs
in a worker inside bubblewrap and only talks through size-capped frames, so
"tampering" can at most change what its own worker claims; values are compared
in the kit. The tests below check the verdicts, that every report is written,
that no secret leaks into any output, that no process of a submission's user
outlives the grade, and that the student's feedback never shows the kit's
tracebacks.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import pytest

from tests.meta.run_suite import REPO

# One grading run of the whole folder (about 35 submissions, 2 at a time on 2 cores).
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]

ITEMS = "act.sigmoid.values,act.relu.values"
ITEM_TIMEOUT = 8
SUBMISSION_TIMEOUT = 75                   # a submission takes 5-25 s; only a hang of the kit's own would reach this
GRADE_LIMIT = 780                         # the whole ./grade run (normally 2-3 minutes)
FIRST_SUBMISSION_UID = 2_000_001          # aifund.sandbox.FIRST_UID + 1: the first uid a grade hands out (as root)
CLASSMATE_SECRET = "classmate-secret-7f3a9c1e"       # in good.py; nobody else may ever show it
FILE_SECRET = "root-only-secret-52b8d04a"            # a root-only file outside the submissions folder
DAEMON_MARKER = "hostile-daemon-e41c6b"              # in the detached daemon's command line
ANY = frozenset({"pass", "fail", "error", "missing", "skipped"})
NOT_PASS = ANY - {"pass"}

GOOD = f'''
import numpy as np
from tinygrad import Tensor
# {CLASSMATE_SECRET}
def sigmoid(z):
    return 1 / (1 + (-z).minimum(80).exp())
def relu(z):
    return z.maximum(0)
'''
WRONG_RELU = "\ndef relu(z):\n    return z\n"      # wrong for every negative input

# Builds one wire frame by hand (aifund/worker/wire.py's format), as a submission that reads the kit would.
FRAME = '''
import json as _json, struct as _struct, sys as _sys
def _frame(header, blob_lengths=()):
    """A frame whose blobs are announced (their lengths), never sent."""
    head = _json.dumps(header).encode()
    out = b"AF1" + _struct.pack(">I", len(head)) + head + _struct.pack(">H", len(blob_lengths))
    return out + b"".join(_struct.pack(">Q", n) for n in blob_lengths)
def _out_fd():
    return int(_sys.argv[_sys.argv.index("--out") + 1])
def _current_seq():
    """The sequence number of the request being answered: the worker's answer() holds it in a local."""
    f = _sys._getframe()
    while f is not None:
        if f.f_code.co_name == "answer" and "seq" in f.f_locals:
            return f.f_locals["seq"]
        f = f.f_back
    return None
def _send_and_hang(header, blob_lengths=()):
    import os, time
    data = _frame(header, blob_lengths)
    while data:
        data = data[os.write(_out_fd(), data):]
    time.sleep(10 ** 6)     # the kit must not wait for anything more
'''


@dataclass
class Case:
    code: str | None                  # None: built by hand in write_submissions
    sigmoid: str | frozenset          # the status (or the statuses) each item may get
    relu: str | frozenset
    sigmoid_says: tuple = ()          # one of these words must be in the item's message
    relu_says: tuple = ()
    relu_never_says: tuple = ()


CASES: dict[str, Case] = {
    "good": Case(GOOD, "pass", "pass"),

    # ------------------------------------------------------------ broken in the ordinary ways
    "syntax_error": Case(GOOD + "\ndef broken(:\n", "error", "error", relu_says=("SyntaxError",)),
    "import_error": Case("import numpy_that_does_not_exist\n" + GOOD, "error", "error",
                         relu_says=("numpy_that_does_not_exist",)),
    "missing_name": Case(GOOD.split("def relu")[0], "pass", "missing", relu_says=("relu",)),
    "infinite_loop": Case(GOOD + "\ndef relu(z):\n    while True:\n        pass\n", "pass", "error",
                          relu_says=("timed out",)),
    # grows by 256 MiB at a time (untouched pages, so the machine does not feel it) until the address-space limit
    "memory_bomb": Case(GOOD + "\ndef relu(z):\n    hog = [np.zeros(1 << 28, np.uint8) for _ in range(256)]\n"
                               "    return z\n", "pass", "error", relu_says=("MemoryError", "Unable to allocate")),
    "sys_exit_at_import": Case(GOOD + "\nimport sys\nsys.exit(0)\n", "error", "error", relu_says=("sys.exit",)),
    "os_exit_at_import": Case(GOOD + "\nimport os\nos._exit(0)\n", "error", "error",
                              relu_says=("exited", "died", "ended")),
    # sigmoid leaves with sys.exit (an exception the worker reports), relu with os._exit (the process dies)
    "exits_in_function": Case(GOOD + "\ndef sigmoid(z):\n    import sys\n    sys.exit(3)\n"
                                     "def relu(z):\n    import os\n    os._exit(0)\n", "error", "error",
                              sigmoid_says=("SystemExit", "sys.exit"), relu_says=("exited", "died", "ended")),
    # sigmoid gives NaN, relu the wrong shape: both plain failures
    "nan_and_wrong_shape": Case(GOOD + "\ndef sigmoid(z):\n    return z * float('nan')\n"
                                       "def relu(z):\n    return z.maximum(0).reshape(-1)[:1]\n", "fail", "fail",
                                sigmoid_says=("NaN",), relu_says=("shape",)),
    # pytest.skip inside the implementation is an exception the worker reports, not a skip of the kit's test
    "calls_pytest_skip": Case(GOOD + "\ndef relu(z):\n    import pytest\n    pytest.skip('not done yet')\n",
                              "pass", "error", relu_says=("not done yet",)),
    "eq_always_true": Case(GOOD + "\nclass Yes:\n    shape = (4,)\n    def __eq__(self, other):\n        return True\n"
                                  "    def numpy(self):\n        return self\ndef relu(z):\n    return Yes()\n",
                           "pass", "fail", relu_says=("expected a tinygrad Tensor",)),

    # ------------------------------------------------------------ output
    "forges_passed": Case(GOOD + "\nprint('act.relu.values  §5  pass\\n' * 50)\nprint('== 122 passed in 1.0s ==')\n"
                                 "def relu(z):\n    print('PASSED')\n    return z\n", "pass", "fail"),
    # a correct relu that prints 70 MB: what passes the cap is dropped and noted, the grade is not affected
    "prints_megabytes": Case(GOOD + "\nprint('x' * 50_000_000)\n_said = []\ndef relu(z):\n    if not _said:\n"
                                    "        _said.append(print('y' * 20_000_000))\n    return z.maximum(0)\n",
                             "pass", "pass"),

    # ------------------------------------------------------------ tampering with what it can reach
    "patches_numpy": Case(GOOD + "\nimport numpy as np\nnp.abs = lambda x, *a, **k: x * 0\n"
                                 "np.allclose = np.array_equal = lambda *a, **k: True\n"
                                 "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)\n"
                                 "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_RELU,
                          "pass", "fail"),
    "patches_kit": Case(GOOD + "\nimport aifund.kit.check as c\nc.assert_close = lambda *a, **k: None\n" + WRONG_RELU,
                        "error", "error", relu_says=("aifund.kit",)),
    # edits the kit's tables wherever it might find them (its own process is all it can see), then has a wrong relu
    "tampers_kit_tables": Case(GOOD + '''
import gc, sys
found = []
for name in ("aifund.kit.tolerance", "aifund.kit.oracles", "aifund.kit.check", "aifund.kit.plugin", "aifund.remote",
             "aifund.verdict", "aifund.grader.report", "aifund.spec", "spec"):
    try:
        __import__(name)
        found.append("import " + name)
    except BaseException:
        pass
for name, module in list(sys.modules.items()):
    if name.startswith(("tests", "aifund.remote", "aifund.verdict", "aifund.kit", "aifund.grader", "aifund.spec", "spec")):
        for attr in ("SAFETY", "ELEMENTWISE", "STATUSES", "assert_close", "tensor_result", "item_status"):
            if hasattr(module, attr):
                try:
                    setattr(module, attr, (lambda *a, **k: None) if callable(getattr(module, attr)) else 1e30)
                    found.append(f"{name}.{attr}")
                except BaseException:
                    pass
for obj in gc.get_objects():
    try:
        if isinstance(obj, type):
            continue
        kind = type(obj).__name__
        if callable(getattr(obj, "sendevent", None)):      # pytest-xdist's channel to its controller
            obj.sendevent("testreport", data={"outcome": "passed"})
            found.append("sendevent")
        elif kind in ("Mark", "MarkDecorator", "Config", "Session", "Conformance", "Item", "Function"):
            found.append(kind)
        elif isinstance(obj, dict) and hasattr(obj.get("relu"), "torch_f"):      # aifund.kit.oracles.ELEMENTWISE
            obj["relu"] = obj.get("sigmoid")
            found.append("the table of oracles")
    except BaseException:
        pass
print("tampering found:", found or "nothing", flush=True)
''' + WRONG_RELU, "pass", "fail"),
    "patches_tinygrad_method": Case(GOOD + "\nfrom tinygrad import Tensor\n_numpy = Tensor.numpy\n"
                                           "Tensor.numpy = lambda self: np.maximum(_numpy(self), 0)\n" + WRONG_RELU,
                                    "pass", NOT_PASS),
    "registers_pytest_plugin": Case(GOOD + '''
import gc, pytest
from _pytest.config import Config
class AlwaysPass:
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        report.outcome = "passed"
for config in [o for o in gc.get_objects() if isinstance(o, Config)]:
    config.pluginmanager.register(AlwaysPass(), "always-pass")
''' + WRONG_RELU, "pass", "fail"),
    "writes_report_files": Case(GOOD + '''
import os, json
for p in ("report.json", "results.json", "../report.json", "/tmp/report.json",
          "@@OUT@@/writes_report_files/report.json", "@@OUT@@/class.csv", "@@SUBS@@/good.py"):
    try:
        with open(p, "w") as f:
            f.write(json.dumps({"score": 100}))
    except OSError:
        pass
''' + WRONG_RELU, "pass", "fail"),

    # ------------------------------------------------------------ reaching for the reference
    "imports_reference": Case("from impl import sigmoid, relu\n", "error", "error", relu_says=("impl",)),
    # imports the reference from a thread, reads it from disk by every path it can guess, exec's what it finds
    "reaches_reference": Case(GOOD + '''
import os, pathlib, threading
found = {}
def _import():
    try:
        import impl
        found["relu"] = impl.relu
    except BaseException:
        pass
t = threading.Thread(target=_import)
t.start()
t.join()
guesses = ["@@REPO@@/impl/activations.py", "/kit/impl/activations.py", "/reference/impl/activations.py",
           "/impl/activations.py", "/work/main/impl/activations.py"]
for parent in pathlib.Path(__file__).resolve().parents:
    guesses.append(str(parent / "impl" / "activations.py"))
for path in guesses:
    if "relu" in found:
        break
    try:
        source = open(path).read()
    except OSError:
        continue
    space = {"__name__": "stolen"}
    try:
        exec(compile(source, path, "exec"), space)
        found["relu"] = space["relu"]
    except BaseException:
        pass
def relu(z):
    if "relu" in found:
        return found["relu"](z)
    return z
''', "pass", "fail"),
    # uses PyTorch for a correct relu: its grade may pass, but staff see the flag
    "imports_torch": Case(GOOD + "\nimport torch\ndef relu(z):\n"
                                 "    return Tensor(torch.relu(torch.from_numpy(z.numpy())).numpy())\n", "pass", ANY),
    # reads a classmate's file by its absolute path and puts what it read in its error message
    "reads_classmate": Case(GOOD + '''
import glob, os
read = []
for pattern in ("@@SUBS@@/good.py", "@@SUBS@@/*.py", "@@SUBS@@/*/*.py", "/tmp/aifund-grade-*/submission/*",
                "/proc/*/root@@SUBS@@/good.py", "/proc/*/cwd/../submission/*", "/submission/*"):
    for path in glob.glob(pattern) or [pattern]:
        if os.path.basename(path) == os.path.basename(__file__):
            continue
        try:
            read.append(open(path).read()[:2000])
        except OSError as exc:
            pass
print("read:", read, flush=True)
def relu(z):
    raise RuntimeError("what I read: " + (repr(read) if read else "nothing"))
''', "pass", "error", relu_says=("what I read: nothing",)),

    # ------------------------------------------------------------ the results channel and other processes
    "kills_its_parent": Case(GOOD + "\ndef relu(z):\n    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                                    "    return z.maximum(0)\n", "pass", "pass"),  # the sandbox's init ignores it
    # Kills every process it can see, steals its parent's fds, writes forged "pass" results to every fd, and
    # then owns the channel for relu's answer: the worker's own reply is swallowed and a forged frame with the
    # right sequence number claims that relu(z) is a float32 Tensor of the right shape (z itself). Claims are
    # only claims: the values read back are z's, so relu fails.
    "takes_over_channel": Case(GOOD + FRAME + '''
import ctypes, os, signal
_libc = ctypes.CDLL(None, use_errno=True)
_LINES = "".join(_json.dumps({"event": "result", "items": [f"act.{n}.values"], "status": "pass", "when": "call"})
                 + "\\n" for n in ("sigmoid", "relu")).encode()
_log = []
def _everywhere(data):
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != os.getpid():
            try:
                os.kill(int(p), signal.SIGKILL)
                _log.append(f"killed {p}")
            except OSError as exc:
                _log.append(f"kill {p}: {exc.strerror}")
    try:
        pidfd = os.pidfd_open(os.getppid())
        for target in range(64):
            fd = _libc.syscall(438, pidfd, target, 0)      # pidfd_getfd
            if fd >= 0:
                _log.append(f"stole fd {target}")
                try:
                    os.write(fd, data)
                except OSError:
                    pass
        _log.append(f"pidfd_getfd: errno {ctypes.get_errno()}")
    except (OSError, AttributeError) as exc:
        _log.append(f"pidfd_open: {exc}")
    for fd in range(256):
        if fd != _out_fd():
            try:
                os.write(fd, data)
            except OSError:
                pass
_everywhere(_LINES)
print("takeover:", _log, flush=True)
def _worker():
    f = _sys._getframe()
    while f is not None:
        if f.f_code.co_name == "answer" and "self" in f.f_locals:
            return f.f_locals["self"]
        f = f.f_back
def relu(z):
    import aifund.worker.wire as wire
    real_pack = wire.pack
    def swallow(header, blobs):
        wire.pack = real_pack
        return b""
    wire.pack = swallow
    forged = _frame({"seq": _current_seq(), "ok": _worker().handle(z)})
    os.write(_out_fd(), forged)
    _everywhere(_LINES + forged)
    return z
''', "pass", "fail"),
    # a detached daemon (double fork, setsid) that outlives its worker if it can, rewriting files
    "detached_daemon": Case(GOOD + '''
import os, sys
DAEMON = """
import glob, os, time
targets = ["@@SUBS@@/detached_daemon_next.py", "@@OUT@@/detached_daemon_next/report.json", "/cache/../x",
           "/kit/aifund/worker/serve.py", "/submission/detached_daemon.py", "/tmp/../etc/passwd"]
end = time.time() + 600
while time.time() < end:
    for path in targets:
        try:
            with open(path, "w") as f:
                f.write("def relu(z):\\\\n    return z\\\\n")
        except OSError:
            pass
    time.sleep(0.5)
"""
try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.closerange(3, 1024)
            os.execv(sys.executable, [sys.executable, "-c", DAEMON, "@@MARKER@@"])
        os._exit(0)
    os.wait()
except OSError:
    pass
''', "pass", "pass"),
    "detached_daemon_next": Case(GOOD, "pass", "pass"),   # graded after the daemon's submission
    # makes the worker's answer to the kit's last request (its integrity flags, asked after the last test) never
    # come: the grade must still end well before the course's submission_timeout, with the results it has
    "hangs_the_last_request": Case(GOOD + '''
import sys, time
_worker = sys.modules["__main__"]            # the worker runs as python -m aifund.worker.serve
if hasattr(_worker, "Worker"):
    _worker.Worker.op_flags = lambda self, header, blobs: time.sleep(10 ** 6)
''' + WRONG_RELU, "pass", "fail"),

    # ------------------------------------------------------------ malformed frames on the --out fd
    # sigmoid answers with a handle whose fields have the wrong types, relu with an unknown tag
    "malformed_frames": Case(GOOD + FRAME + '''
def sigmoid(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$obj": "x", "type": 5}})
def relu(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$evil": 1}})
''', "error", "error", sigmoid_says=("malformed",), relu_says=("$evil",), relu_never_says=("timed out",)),
    # relu answers with a frame that claims a 120 MB array
    "oversized_frame": Case(GOOD + FRAME + '''
def relu(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$a": 0}}, blob_lengths=[120 << 20])
''', "pass", "error", relu_says=("byte limit",), relu_never_says=("timed out",)),

    # ------------------------------------------------------------ built by hand in write_submissions
    "planted_conftest": Case(None, "pass", "fail"),
    "package_with_links": Case(None, "pass", "pass"),
    "symlinked_submission": Case(None, "error", "error", relu_says=("symbolic link",)),
}
# checked in a test of their own, so that a failure there names the hole
OWN_TEST = {"patches_tinygrad_method"}
# what staff must see in report.json's "integrity" (a word of some flag)
INTEGRITY = {"imports_torch": "torch", "imports_reference": "impl", "reaches_reference": "impl", "patches_kit": "aifund.kit"}
KIT_TRACES = ("Traceback (most recent call last)", 'File "', "aifund/", "grader/")


def write_submissions(root: pathlib.Path) -> pathlib.Path:
    subs = root / "submissions"
    subs.mkdir()
    fill = {"@@SUBS@@": str(subs), "@@OUT@@": str(root / "grades"), "@@REPO@@": str(REPO), "@@MARKER@@": DAEMON_MARKER}
    for name, case in CASES.items():
        if case.code is not None:
            code = textwrap.dedent(case.code)
            for key, value in fill.items():
                code = code.replace(key, value)
            (subs / f"{name}.py").write_text(code)
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
    return subs


def uid_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def cmdline_of(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()]


def submission_processes() -> list[str]:
    """Processes a submission may have left: its daemon (by marker), or any process of a submission's user."""
    left = []
    for pid in pids():
        cmd = cmdline_of(pid)
        uid = uid_of(pid)
        if DAEMON_MARKER in cmd or (os.geteuid() == 0 and uid is not None and uid >= FIRST_SUBMISSION_UID):
            left.append(f"pid {pid} uid {uid}: {cmd[:200]}")
    return left


@dataclass
class Graded:
    out: pathlib.Path
    subs: pathlib.Path
    root: pathlib.Path
    stdout: str
    seconds: float
    daemon_seen: list
    left_after: list
    subs_before: dict


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    """The class is graded once per test run. Under pytest-xdist the result is shared through the run's
    common temporary folder (keyed by the run's id): the tests of this module have been seen to land in
    two worker processes, and each grading of the class costs about three minutes."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed: ./grade refuses to grade untrusted code without it")
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return grade_the_class(tmp_path_factory)
    from filelock import FileLock
    shared = tmp_path_factory.getbasetemp().parent / f"hostile-{run_id}"
    with FileLock(f"{shared}.lock"):
        if shared.with_suffix(".pickle").is_file():
            return pickle.loads(shared.with_suffix(".pickle").read_bytes())
        result = grade_the_class(tmp_path_factory)
        shared.with_suffix(".pickle").write_bytes(pickle.dumps(result))
        return result


def grade_the_class(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("hostile")
    os.chmod(root, 0o755)
    subs = write_submissions(root)
    before = {p.relative_to(subs).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
              for p in subs.rglob("*") if not p.is_fifo()}
    config = root / "course.toml"
    config.write_text(f"[limits]\nitem_timeout = {ITEM_TIMEOUT}\nsubmission_timeout = {SUBMISSION_TIMEOUT}\n"
                      "memory_mb = 6144\nmax_examples = 2\n")
    out = root / "grades"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    start = time.monotonic()
    with open(root / "grade.stdout", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "aifund.grader", str(subs), "--out", str(out), "--config", str(config),
                                 "--spec-items", ITEMS, "--jobs", "2"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        daemon_seen = set()
        try:
            while proc.poll() is None:       # watch for the daemon while the grade runs
                if time.monotonic() - start > GRADE_LIMIT:
                    break
                for pid in pids():
                    if DAEMON_MARKER in cmdline_of(pid):
                        daemon_seen.add((pid, uid_of(pid)))
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    seconds = time.monotonic() - start
    stdout = (root / "grade.stdout").read_text(errors="replace")
    assert proc.returncode == 0, f"./grade exited {proc.returncode} after {seconds:.0f} s:\n{stdout[-4000:]}"
    left = submission_processes()
    for _ in range(20):                    # the kernel may take a moment to reap the sandboxes
        if not left:
            break
        time.sleep(0.5)
        left = submission_processes()
    print(f"./grade on {len(CASES)} hostile submissions: {seconds:.1f} s")
    return Graded(out, subs, root, stdout, seconds, sorted(daemon_seen), left, before)


def report_of(graded: Graded, name: str) -> dict:
    return json.loads((graded.out / name / "report.json").read_text())


def _allowed(expected) -> frozenset:
    return frozenset({expected}) if isinstance(expected, str) else frozenset(expected)


def problems_of(graded: Graded, name: str) -> list[str]:
    case = CASES[name]
    folder = graded.out / name
    missing = [f for f in ("report.json", "feedback.md", "results.json", "junit.xml") if not (folder / f).is_file()]
    if missing:
        return [f"{name}: no {missing}"]
    report = report_of(graded, name)
    by_id = {i["id"]: i for i in report["items"]}
    found = []
    for key, item_id, expected, says, never in (
            ("sigmoid", "act.sigmoid.values", case.sigmoid, case.sigmoid_says, ()),
            ("relu", "act.relu.values", case.relu, case.relu_says, case.relu_never_says)):
        item = by_id[item_id]
        if item["status"] not in _allowed(expected):
            found.append(f"{name}: {key} is {item['status']!r}, expected {sorted(_allowed(expected))}: "
                         f"{item['message'][:400]}")
        if says and not any(w.lower() in item["message"].lower() for w in says):
            found.append(f"{name}: {key}'s message does not say any of {says}: {item['message'][:400]}")
        if any(w.lower() in item["message"].lower() for w in never):
            found.append(f"{name}: {key}'s message says one of {never}: {item['message'][:400]}")
    passed = sum(i["status"] == "pass" for i in report["items"])
    if report["score"] != 100 * passed / 2:
        found.append(f"{name}: score {report['score']} with {passed} items passing")
    feedback = (folder / "feedback.md").read_text()
    traces = [t for t in KIT_TRACES if t in feedback]
    if traces:
        found.append(f"{name}: feedback.md shows the kit's internals {traces}")
    if name != "symlinked_submission" and not report["sandbox"].startswith("bubblewrap"):
        found.append(f"{name}: sandbox is {report['sandbox']!r}")
    if name != "symlinked_submission" and report["problem"]:      # e.g. the grade ran out of submission_timeout
        found.append(f"{name}: {report['problem'][:300]}")
    return found


def test_every_submission_is_graded_as_it_deserves(graded):
    """Statuses, scores and messages of every submission; all problems reported together."""
    problems = [p for name in CASES if name not in OWN_TEST for p in problems_of(graded, name)]
    assert not problems, "\n".join(problems)


def test_a_patched_tinygrad_is_not_taken_at_its_word(graded):
    """relu = identity, with tinygrad's Tensor.numpy patched (in the worker) to clamp whatever it reads at 0.

    The kit reads a result's values by calling the result's own .numpy() in the submission's process, so the
    patch answers for it; the returned Tensor is not relu(z) for anything but that one method."""
    problems = problems_of(graded, "patches_tinygrad_method")
    assert not problems, "\n".join(problems)


def test_a_worker_killed_by_the_kit_counts_as_a_restart(graded):
    """malformed_frames' worker is killed after sigmoid's malformed answer; relu ran in a new one."""
    report = report_of(graded, "malformed_frames")
    assert "$evil" in report["items"][1]["message"]          # relu's answer came from a second worker
    assert report["worker_restarts"] >= 1, report["worker_restarts"]


def test_every_report_and_the_class_summary_are_written(graded):
    with open(graded.out / "class.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(CASES)
    assert float(rows["good"]["score"]) == 100.0 and float(rows["syntax_error"]["score"]) == 0.0
    for name in CASES:
        assert float(rows[name]["score"]) == report_of(graded, name)["score"], name
    # nothing but the grader's own folders and the summary in the output folder
    assert {p.name for p in graded.out.iterdir()} == set(CASES) | {"class.csv"}
    for name in CASES:
        assert {p.name for p in (graded.out / name).iterdir()} <= {
            "report.json", "feedback.md", "results.json", "junit.xml", "grading.log"}, name
    # Gradescope's results.json
    data = json.loads((graded.out / "missing_name" / "results.json").read_text())
    assert data["score"] == 50.0 and {"score", "tests", "execution_time"} <= set(data)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100.0)


def test_the_submissions_folder_is_untouched(graded):
    after = {p.relative_to(graded.subs).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
             for p in graded.subs.rglob("*") if not p.is_fifo()}
    assert after == graded.subs_before


def test_output_past_the_cap_is_dropped_and_noted(graded):
    """A correct relu that prints 70 MB passes; the first 64 KiB are kept and the rest is noted as dropped."""
    report = report_of(graded, "prints_megabytes")
    assert [i["status"] for i in report["items"]] == ["pass", "pass"]
    assert report["output"].startswith("x" * 1000)
    assert len(report["output"]) <= 70 * 1024, len(report["output"])
    assert re.search(r"\d+ more bytes of output dropped", report["output"]), report["output"][-300:]


def test_what_a_submission_prints_is_kept(graded):
    """A few lines printed at import time (no flush, as students write them) are in report.json's output."""
    output = report_of(graded, "forges_passed")["output"]
    assert "== 122 passed in 1.0s ==" in output, repr(output[-300:])


def test_integrity_flags_name_torch_and_the_reference(graded):
    missing = []
    for name, word in INTEGRITY.items():
        flags = report_of(graded, name)["integrity"]
        if not any(word in f"{f.get('kind')} {f.get('detail')}" for f in flags):
            missing.append(f"{name}: no integrity flag names {word!r}: {flags}")
    assert not missing, "\n".join(missing)
    assert report_of(graded, "good")["integrity"] == []


def test_the_sandbox_shows_no_kit_no_reference_and_no_classmate(graded):
    output = report_of(graded, "tampers_kit_tables")["output"]
    assert "tampering found: nothing" in output, output[-500:]
    assert "read: []" in report_of(graded, "reads_classmate")["output"]


def test_no_secret_leaks_into_any_output(graded):
    """Neither the classmate's secret (only in good.py) nor the root-only file's shows up in any file written."""
    leaks = []
    for path in graded.out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in (CLASSMATE_SECRET, FILE_SECRET):
                if secret in text:
                    leaks.append(f"{path.relative_to(graded.out)} shows {secret}")
    assert not leaks, "\n".join(leaks)
    assert FILE_SECRET not in graded.stdout and CLASSMATE_SECRET not in graded.stdout


def test_links_and_fifos_are_left_out_and_noted(graded):
    notes = report_of(graded, "package_with_links")["copy_notes"]
    text = "\n".join(notes)
    for name in ("secret_link.txt", "linked_dir", "zero_link", "pipe"):
        assert name in text, f"copy_notes do not name {name}: {notes}"
    assert "leaked: []" in report_of(graded, "package_with_links")["output"]
    problem = report_of(graded, "symlinked_submission")["problem"]
    assert "symbolic link" in problem, problem


def test_no_process_of_a_submission_outlives_the_grade(graded):
    assert graded.daemon_seen, "the detached daemon never ran: the check below would prove nothing"
    if os.geteuid() == 0:
        assert all(uid is None or uid >= FIRST_SUBMISSION_UID for _, uid in graded.daemon_seen), graded.daemon_seen
    assert not graded.left_after, "left running after the grade:\n" + "\n".join(graded.left_after)
