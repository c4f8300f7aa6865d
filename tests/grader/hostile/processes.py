"""Submissions that attack the results channel and other processes: killing, stealing fds, forging frames, a
detached daemon, a request never answered. Sources and expected verdicts only; never runs them.
"""
from tests.grader.hostile.case import GOOD, WRONG_RELU, Case
from tests.grader.hostile.frames import FRAME

PROCESSES: dict[str, Case] = {
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
}
