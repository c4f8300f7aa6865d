"""Submissions that reach for the reference implementation, PyTorch, or a classmate's file.
Sources and expected verdicts only; never runs them.
"""
from tests.grader.hostile.case import ANY, GOOD, Case

REACHING: dict[str, Case] = {
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
}
