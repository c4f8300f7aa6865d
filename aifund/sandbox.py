"""The sandbox around the worker: bubblewrap, with resource limits.

The worker sees a read-only view of the interpreter, its libraries and the
system's programs (tinygrad compiles kernels with clang), the worker package
(aifund/worker/), the implementation under test, and two writable places: a private
``/tmp`` of capped size and a kernel-cache folder. It does not see the kit's
tests, the reference (unless a kit-internal run asks for it), other
submissions, the output folder, the home directory or the grader's processes.
Network, IPC, PID, UTS, cgroup, user and mount namespaces are new; when the
sandbox's first process ends, the kernel ends every process left in it.

When the kit runs as root, the worker runs as an unprivileged user of its own
(so a process limit and file permissions apply to it). Paths under a folder
that user cannot enter (Python under ``/root``, say) are first bind-mounted
into a staging folder in a private mount namespace made by ``unshare``, then
switched to the user with ``setpriv``, then bubblewrap builds the view.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from aifund import cgroups, process_limits
from aifund.process_limits import FIRST_UID

PACKAGE = pathlib.Path(__file__).resolve().parent      # aifund/, in a checkout or in site-packages
WORKER_PACKAGE = PACKAGE / "worker"
STAGE = "/tmp/.aifund-stage"     # an empty folder; in the worker's private mount namespace a tmpfs covers it


@dataclass
class Limits:
    memory_mb: int = 4096          # address space of each process; with a cgroup also all its processes together
    cpu_seconds: int = 900         # CPU time of each process
    processes: int = 256           # processes and threads: the worker's cgroup (pids.max), its user's (root mode)
    file_mb: int = 256             # largest file it may write (the kernel caches grow with use)
    tmp_mb: int = 512              # size of its private /tmp


@dataclass
class Sandbox:
    """How to start a worker: ``kind`` is "bwrap" or "none" (the same process tree, no isolation)."""
    kind: str
    reason: str = ""                 # why it is not "bwrap", in one line
    uid: int | None = None           # the worker's user in root mode
    limits: Limits = field(default_factory=Limits)
    cgroups: cgroups.Plan = field(default_factory=lambda: cgroups.Plan("none", reason="not probed"))

    @property
    def isolated(self) -> bool:
        return self.kind == "bwrap"


def reference_dir(framework: str = "tinygrad") -> pathlib.Path:
    """The reference implementation's folder for this framework (impl/ or impl_torch/ in a checkout), found
    without importing it."""
    import importlib.util

    from aifund import frameworks
    package = frameworks.get(framework).reference_package
    return pathlib.Path(importlib.util.find_spec(package).submodule_search_locations[0])


def probe() -> str | None:
    """None when bubblewrap can build a sandbox here, else the reason it cannot."""
    if not sys.platform.startswith("linux"):
        return f"no Linux namespaces on {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0 and not (shutil.which("unshare") and shutil.which("setpriv")):
        return "util-linux's unshare and setpriv are needed to run the worker as its own user"
    try:
        probe_cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"]
        if os.geteuid() == 0:
            probe_cmd = ["setpriv", f"--reuid={FIRST_UID}", f"--regid={FIRST_UID}", "--clear-groups", *probe_cmd]
        done = subprocess.run(probe_cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start: {exc}"
    if done.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {done.stderr.strip().splitlines()[-1:] or done.returncode}"
    return None


_PROBED: dict = {}


def choose(mode: str, limits: Limits | None = None, uid: int | None = None) -> Sandbox:
    """mode: "require" (bwrap or an error), "auto" (bwrap where it works), "off"."""
    limits = limits or Limits()
    if "cgroups" not in _PROBED:
        _PROBED["cgroups"] = cgroups.probe()
    plan = _PROBED["cgroups"]
    # Without namespaces a root kit still runs the worker as an unprivileged user when one is named
    # (the grader always names one): it cannot then write the kit's files or signal the grading process.
    plain_uid = uid if os.geteuid() == 0 else None
    blocked = _unreachable_by_others() if plain_uid is not None else None
    if blocked:
        plain_uid = None
    as_root = f"; it runs as root: another user cannot enter {blocked}" if blocked else ""
    if mode == "off":
        return Sandbox("none", "the sandbox was turned off (--no-sandbox)" + as_root, uid=plain_uid, limits=limits,
                       cgroups=plan)
    if "reason" not in _PROBED:
        _PROBED["reason"] = probe()
    reason = _PROBED["reason"]
    if reason:
        if mode == "require":
            raise SandboxUnavailable(reason)
        return Sandbox("none", reason + as_root, uid=plain_uid, limits=limits, cgroups=plan)
    if os.geteuid() == 0:
        uid = FIRST_UID if uid is None else uid
    return Sandbox("bwrap", uid=uid if os.geteuid() == 0 else None, limits=limits, cgroups=plan)


def worker_group(sandbox: Sandbox) -> cgroups.Group:
    """A new control group for one worker (Session.start joins it through Popen's preexec_fn, Session.stop closes
    it); where the host allows none, a group that does nothing, and the rlimits below are the only limits."""
    return cgroups.Group(sandbox.cgroups, sandbox.limits.memory_mb, sandbox.limits.processes)


def _unreachable_by_others() -> str | None:
    """The first folder on the way to the interpreter, its libraries or the kit that a user other than its
    owner cannot enter (a Python installed under /root, say), else None."""
    wanted = {os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
              str(PACKAGE)}
    for path in sorted(wanted):
        parts = pathlib.Path(path).parts
        for i in range(1, len(parts) + 1):
            folder = os.path.join(*parts[:i])
            try:
                mode = os.stat(folder).st_mode
            except OSError:
                break
            if os.path.isdir(folder) and not mode & 0o001:
                return folder
    return None


class SandboxUnavailable(RuntimeError):
    pass


def _system_binds() -> list[tuple[str, str]]:
    """The programs and libraries the worker needs: /usr (clang, libc), the interpreter, its packages."""
    binds = [("/usr", "/usr")]
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                 "/etc/localtime", "/etc/ssl/certs"):
        if os.path.exists(path):
            binds.append((path, path))
    for prefix in {sys.base_prefix, sys.prefix, os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
        binds.append((prefix, prefix))
    # package folders outside the prefix (a .pth that adds another environment's site-packages); never a source
    # folder on sys.path, which could be the kit's own checkout
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry) and \
                not any(_within(entry, src) for src, _ in binds):
            binds.append((entry, entry))
    return binds


def _within(path, folder) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _hidden(binds: list[tuple[str, str]]) -> list[str]:
    """The kit's own package where a bound folder shows it (an installed wheel sits in site-packages): covered
    with an empty tmpfs, so the worker sees its own files at /kit and none of the checks, spec or reference."""
    return [str(PACKAGE)] if any(_within(PACKAGE, src) for src, _ in binds) else []


def _merged_usr_links() -> list[str]:
    args = []
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = pathlib.Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), f"/{top}"]
        elif path.is_dir():
            args += ["--ro-bind", str(path), f"/{top}"]
    return args


def framework_args(framework: str) -> list[str]:
    """The worker's --framework argument (none for tinygrad, the default)."""
    return [] if framework == "tinygrad" else ["--framework", framework]


def worker_command(sandbox: Sandbox, *, target_src: pathlib.Path | None, target_dst: str,
                   cache_dir: pathlib.Path, reference: bool, fds: tuple[int, int],
                   env: dict, shared_cache: pathlib.Path | None = None,
                   framework: str = "tinygrad") -> tuple[list[str], dict, object]:
    """(argv, env, preexec_fn) that start the worker for ``target`` inside the sandbox (or not).

    ``cache_dir`` is the worker's own kernel cache (read and written); ``shared_cache``, when given, a cache
    that trusted runs wrote, which the worker may only read (aifund/worker/kernel_caches.py, SharedKernels)."""
    fd_in, fd_out = fds
    if not sandbox.isolated:
        argv = [sys.executable, "-m", "aifund.worker.serve", "--in", str(fd_in), "--out", str(fd_out)]
        if reference:
            argv += ["--reference-path", str(reference_dir(framework))]
        argv += framework_args(framework)
        full_env = dict(env, PYTHONPATH=str(PACKAGE.parent), CACHEDB=str(cache_dir / "kernels.db"), PYTHONUNBUFFERED="1")
        if sandbox.uid is not None:
            full_env.update(HOME=str(cache_dir), XDG_CACHE_HOME=str(cache_dir))   # root's home is not its to read
        if shared_cache is not None:
            full_env["AIFUND_SHARED_CACHE"] = str(shared_cache)
        return argv, full_env, process_limits.rlimits(sandbox.limits, sandbox.uid, switch_user=sandbox.uid is not None)

    ro = list(_system_binds())
    ro.append((str(WORKER_PACKAGE), "/kit/aifund/worker"))
    ro.append((str(PACKAGE / "__init__.py"), "/kit/aifund/__init__.py"))
    if target_src is not None:
        ro.append((str(target_src), target_dst))
    if reference:
        ro.append((str(reference_dir(framework)), "/reference/impl"))
    if shared_cache is not None:
        ro.append((str(shared_cache), "/shared-cache"))
    rw = [(str(cache_dir), "/cache")]

    staging = None
    if sandbox.uid is not None:
        # Root mode: every source is first bind-mounted under a staging folder the worker's user can enter.
        staging = STAGE
        names = {}
        for i, (src, _dst) in enumerate(ro + rw):
            names[src] = f"{staging}/{i}"
    view_env = {"HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": "/kit", "PYTHONUNBUFFERED": "1",
                "CACHEDB": "/cache/kernels.db", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
    view_env.update({k: v for k, v in env.items() if k in PASSED_ENV})
    if shared_cache is not None:
        view_env["AIFUND_SHARED_CACHE"] = "/shared-cache"
    bw = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
          "--proc", "/proc", "--dev", "/dev", "--size", str(sandbox.limits.tmp_mb << 20), "--tmpfs", "/tmp",
          *_merged_usr_links()]
    if sandbox.uid is not None:
        bw += ["--uid", "1000", "--gid", "1000"]
    for src, dst in ro:
        bw += ["--ro-bind", names[src] if staging else src, dst]
    for src, dst in rw:
        bw += ["--bind", names[src] if staging else src, dst]
    for folder in _hidden(ro):
        bw += ["--tmpfs", folder]
    bw += ["--chdir", "/tmp", "--clearenv"]
    for k, v in view_env.items():
        bw += ["--setenv", k, v]
    worker = [sys.executable, "-m", "aifund.worker.serve", "--in", str(fd_in), "--out", str(fd_out)]
    if reference:
        worker += ["--reference-path", "/reference/impl"]
    bw += worker + framework_args(framework)

    if staging is None:
        return bw, dict(os.environ), process_limits.rlimits(sandbox.limits, None)
    # unshare -m: a private mount namespace; the binds below vanish with it.
    lines = ["set -e", f"mkdir -p {_q(staging)}", f"mount -t tmpfs -o mode=0755,size=1m aifund-stage {_q(staging)}"]
    for src, _dst in ro + rw:
        dst = names[src]
        kind = "-d" if os.path.isdir(src) else "-f"
        lines.append(f"if [ {kind} {_q(src)} ]; then {'mkdir -p' if kind == '-d' else 'touch'} {_q(dst)}; "
                     f"mount --bind {_q(src)} {_q(dst)}; fi")
    uid = sandbox.uid
    lines.append(f"exec setpriv --reuid={uid} --regid={uid} --clear-groups --inh-caps=-all "
                 + " ".join(_q(a) for a in bw))
    argv = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(lines)]
    return argv, dict(os.environ), process_limits.rlimits(sandbox.limits, uid)


PASSED_ENV = ("DEV", "NOOPT", "PARALLEL", "DEBUG", "JIT", "CPU_LLVM", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
              "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _q(text) -> str:
    text = str(text)
    return "'" + text.replace("'", "'\"'\"'") + "'"
