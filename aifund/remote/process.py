"""The worker's operating-system process: starting it in the sandbox with its request pipes, killing and
reaping it with everything it started, and draining what it prints. It never reads or writes a request
(channel.py does) and never imports the implementation under test.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading

from aifund import process_limits, sandbox as sandbox_module
from aifund.sandbox import Sandbox, worker_command

OUTPUT_KEEP = 64 * 1024


class WorkerProcess:
    """One worker process at a time, the two request pipes to and from it (``to_fd``, ``from_fd``, non-blocking),
    and its printed output: the first 64 KiB over every process of the session, and a count of the rest."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.proc = None
        self.group = None               # the worker's cgroup (sandbox.worker_group): caps its processes together
        self.to_fd = None
        self.from_fd = None
        self.last_code = None           # the exit status of the last process reaped
        self._output = bytearray()
        self._output_total = 0

    def start(self, **command):
        """Starts the worker that ``aifund.sandbox.worker_command(sandbox, **command)`` describes."""
        k2w_r, k2w_w = os.pipe()
        w2k_r, w2k_w = os.pipe()
        out_r, out_w = os.pipe()
        argv, env, preexec = worker_command(self.sandbox, fds=(k2w_r, w2k_w), **command)
        self.group = sandbox_module.worker_group(self.sandbox)
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                                         pass_fds=(k2w_r, w2k_w), env=env, preexec_fn=self.group.joining(preexec),
                                         close_fds=True)
        finally:
            for fd in (k2w_r, w2k_w, out_w):
                os.close(fd)
        self.to_fd = k2w_w
        self.from_fd = w2k_r
        os.set_blocking(self.to_fd, False)
        os.set_blocking(self.from_fd, False)
        threading.Thread(target=self._drain, args=(out_r,), daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for fd in (self.to_fd, self.from_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.to_fd = self.from_fd = None
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # the sandbox's first process; the kernel ends the rest
        except (ProcessLookupError, PermissionError):
            pass
        if not self.sandbox.isolated and self.sandbox.uid is not None:
            process_limits.end_user_processes(self.sandbox.uid)   # no pid namespace: end its user's processes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.group.close()      # ends what is left in the group (after the worker's own end) and removes it

    def reap(self):
        """After its pipe closed: waits briefly for its exit status (kept for ``death_text``), then stops it."""
        proc = self.proc
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        self.last_code = proc.returncode if proc is not None else None

    def _drain(self, fd: int):
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while True:
                try:
                    chunk = stream.read(1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                self._output_total += len(chunk)
                room = OUTPUT_KEEP - len(self._output)
                if room > 0:
                    self._output += chunk[:room]

    def output(self) -> str:
        text = self._output.decode("utf-8", "replace")
        dropped = self._output_total - len(self._output)
        return text + (f"\n[... {dropped} more bytes of output dropped]" if dropped > 0 else "")

    def death_text(self, when: str) -> str:
        code = self.last_code
        if code is None and self.proc is not None:
            code = self.proc.poll()
        if code is None:
            how = "ended"
        elif code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            how = f"was killed by {sig}" + (" (over its memory or CPU limit?)" if sig in ("SIGKILL", "SIGXCPU") else "")
        else:
            how = f"exited with status {code}"
        how = (self.group and self.group.breach()) or how
        tail = self.output().strip().splitlines()[-3:]
        return f"the implementation's process {how} {when}" + (f"; its last output: {' | '.join(tail)[:300]}" if tail else "")
