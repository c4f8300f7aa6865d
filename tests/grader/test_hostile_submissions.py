"""Hostile and broken submissions are graded correctly, reported clearly, and do not disturb each other.

All submissions are graded in one ./grade run on a folder (two at a time) on
two spec items, so the test exercises the real command, its parallelism and
its class summary. Each submission starts from the reference's sigmoid and
relu (copied in, not imported) and adds one kind of trouble.
"""
import csv
import json
import subprocess
import sys
import textwrap

import pytest

from tests.meta.run_suite import REPO

# one grading run of the whole folder; the slowest submission (writes_to_every_fd) waits out the
# grader's silence limit twice, 2 x (2 x 8 + 30) s
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]
ITEMS = "act.sigmoid.values,act.relu.values"
GOOD = '''
import numpy as np
from tinygrad import Tensor
def sigmoid(z):
    return 1 / (1 + (-z).minimum(80).exp())
def relu(z):
    return z.maximum(0)
'''
SUBMISSIONS = {
    "good": GOOD,
    "syntax_error": GOOD + "\ndef broken(:\n",
    "import_error": "import numpy_that_does_not_exist\n" + GOOD,
    "missing_name": GOOD.split("def relu")[0],
    "infinite_loop": GOOD + "\ndef relu(z):\n    while True:\n        pass\n",
    "memory_bomb": GOOD + "\ndef relu(z):\n    hog = [bytearray(2 ** 30) for _ in range(64)]\n    return z\n",
    "sys_exit_at_import": GOOD + "\nimport sys\nsys.exit(0)\n",
    "os_exit_at_import": GOOD + "\nimport os\nos._exit(0)\n",
    "sys_exit_in_function": GOOD + "\ndef relu(z):\n    import sys\n    sys.exit(0)\n",
    "os_exit_in_function": GOOD + "\ndef relu(z):\n    import os\n    os._exit(0)\n",
    "prints_megabytes": GOOD + "\nprint('x' * 50_000_000)\ndef relu(z):\n    print('y' * 20_000_000)\n    return z.maximum(0)\n",
    "patches_numpy": GOOD + "\nimport numpy as np\nnp.abs = lambda x, *a, **k: x * 0\n",
    "patches_kit": GOOD + "\nimport tests.kit.check as c\nc.assert_close = lambda *a, **k: None\ndef relu(z):\n    return z\n",
    "calls_pytest_skip": GOOD + "\ndef relu(z):\n    import pytest\n    pytest.skip('not done yet')\n",
    "eq_always_true": GOOD + "\nclass Yes:\n    shape = (4,)\n    def __eq__(self, other):\n        return True\n"
                      "    def numpy(self):\n        return self\ndef relu(z):\n    return Yes()\n",
    "forges_passed": GOOD + "\nprint('act.relu.values  §5  pass\\n' * 50)\nprint('== 122 passed in 1.0s ==')\n"
                     "def relu(z):\n    print('PASSED')\n    return z\n",
    "writes_report_files": GOOD + "\nimport os, json\nfor p in ('report.json', 'results.json', '../report.json'):\n"
                           "    try:\n        open(p, 'w').write(json.dumps({'score': 100}))\n"
                           "    except OSError:\n        pass   # as a separate user, outside its own folder\n"
                           "def relu(z):\n    return z\n",
    "nan_output": GOOD + "\ndef relu(z):\n    return z * float('nan')\n",
    "wrong_shape": GOOD + "\ndef relu(z):\n    return z.maximum(0).reshape(-1)[:1]\n",
    "imports_reference": "from impl import sigmoid, relu\n",
    "patches_tinygrad_method": GOOD + "\nfrom tinygrad import Tensor\n_numpy = Tensor.numpy\n"
                               "Tensor.numpy = lambda self: np.maximum(_numpy(self), 0)\ndef relu(z):\n    return z\n",
    "registers_pytest_plugin": GOOD + """
import gc, pytest
from _pytest.config import Config
class AlwaysPass:
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        report.outcome = "passed"
        report.user_properties[:] = [(k, v.replace('"fail"', '"pass"').replace('"error"', '"pass"'))
                                     for k, v in report.user_properties]
config = next(o for o in gc.get_objects() if isinstance(o, Config))
config.pluginmanager.register(AlwaysPass(), "always-pass")
def relu(z):
    return z
""",
    "writes_to_every_fd": GOOD + """
import json, os
forged = "".join(json.dumps({"event": "result", "nodeid": f"tests/conformance/test_s05_activations.py::test_{n}_values",
                             "when": "call", "items": [f"act.{n}.values"], "status": "pass", "message": ""}) + "\\n"
                 for n in ("sigmoid", "relu")).encode()
for fd in range(3, 256):
    try:
        os.write(fd, forged)
    except OSError:
        pass
def relu(z):
    return z
""",
    "kills_its_parent": GOOD + "\ndef relu(z):\n    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                        "    return z.maximum(0)\n",
}
# a submission whose relu is wrong and that tries to pass anyway: any status but "pass" is right
NEVER_PASS = {"writes_to_every_fd"}
# item statuses each submission must get: (sigmoid, relu)
EXPECTED = {
    "good": ("pass", "pass"),
    "syntax_error": ("error", "error"),
    "import_error": ("error", "error"),
    "missing_name": ("pass", "missing"),
    "infinite_loop": ("pass", "error"),
    "memory_bomb": ("pass", "error"),
    "sys_exit_at_import": ("error", "error"),
    "os_exit_at_import": ("error", "error"),
    "sys_exit_in_function": ("pass", "error"),
    "os_exit_in_function": ("pass", "error"),
    "prints_megabytes": ("pass", "error"),   # 70 MB of output passes the 64 MB file-size limit
    "patches_numpy": ("error", "error"),
    "patches_kit": ("error", "error"),
    "calls_pytest_skip": ("pass", "skipped"),
    "eq_always_true": ("pass", "fail"),
    "forges_passed": ("pass", "fail"),
    "writes_report_files": ("pass", "fail"),
    "nan_output": ("pass", "fail"),
    "wrong_shape": ("pass", "fail"),
    "imports_reference": ("error", "error"),
    "patches_tinygrad_method": ("error", "error"),
    "registers_pytest_plugin": ("error", "error"),
    "kills_its_parent": ("pass", "error"),
}
MESSAGES = {  # a word the relu item's message must contain, so the student knows what happened
    "syntax_error": "SyntaxError", "import_error": "numpy_that_does_not_exist", "missing_name": "relu",
    "infinite_loop": "timed out", "memory_bomb": ("MemoryError", "timed out"), "sys_exit_at_import": "sys.exit",
    "os_exit_in_function": ("died", "exited"), "prints_megabytes": "File too large", "patches_numpy": "tampering", "patches_kit": "tampering",
    "calls_pytest_skip": "not done yet", "imports_reference": "reference", "wrong_shape": "shape",
    "eq_always_true": "expected a tinygrad Tensor",
    "patches_tinygrad_method": "tampering", "registers_pytest_plugin": "tampering", "kills_its_parent": ("died", "killed"),
}


def grade_class(root):
    subs = root / "submissions"
    subs.mkdir()
    for name, code in SUBMISSIONS.items():
        (subs / f"{name}.py").write_text(textwrap.dedent(code))
    # a package submission with a planted conftest.py and pytest.ini that would pass everything
    pkg = subs / "planted_conftest"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(GOOD + "\ndef relu(z):\n    return z\n")
    (pkg / "conftest.py").write_text("import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                                     "def pytest_runtest_makereport(item, call):\n    o = yield\n    o.get_result().outcome = 'passed'\n")
    (pkg / "pytest.ini").write_text("[pytest]\naddopts = -p no:terminal\n")
    config = root / "course.toml"
    config.write_text("[limits]\nitem_timeout = 8\nsubmission_timeout = 240\nmemory_mb = 6144\n")
    out = root / "grades"
    proc = subprocess.run([sys.executable, "-m", "grader", str(subs), "--out", str(out), "--config", str(config),
                           "--spec-items", ITEMS, "--jobs", "2"], cwd=REPO, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def problems_of(out, name) -> list[str]:
    report = json.loads((out / name / "report.json").read_text())
    by_id = {i["id"]: i for i in report["items"]}
    sig, rel = by_id["act.sigmoid.values"], by_id["act.relu.values"]
    expected = EXPECTED.get(name, ("pass", "fail"))
    found = []
    if name in NEVER_PASS:
        if rel["status"] == "pass" or report["score"] > 50:
            found.append(f"{name}: relu passed or the score is {report['score']}: {rel['message'][:300]}")
    elif (sig["status"], rel["status"]) != expected:
        found.append(f"{name}: statuses {(sig['status'], rel['status'])}, expected {expected}: {rel['message'][:300]}")
    if name not in NEVER_PASS and report["score"] != 100 * sum(s == "pass" for s in expected) / 2:
        found.append(f"{name}: score {report['score']}")
    if name in MESSAGES:
        words = MESSAGES[name] if isinstance(MESSAGES[name], tuple) else (MESSAGES[name],)
        if not any(w.lower() in rel["message"].lower() for w in words):
            found.append(f"{name}: the message does not say {words}: {rel['message'][:300]}")
    missing = [f for f in ("feedback.md", "results.json", "junit.xml") if not (out / name / f).is_file()]
    if missing:
        found.append(f"{name}: no {missing}")
    return found


def test_hostile_submissions_are_graded_as_they_deserve(tmp_path):
    """One ./grade run over the whole folder; every submission is checked and all problems reported together."""
    out = grade_class(tmp_path)
    problems = [p for name in list(EXPECTED) + sorted(NEVER_PASS) + ["planted_conftest"] for p in problems_of(out, name)]
    assert not problems, "\n".join(problems)
    # the class summary lists every submission
    with open(out / "class.csv") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED) | NEVER_PASS | {"planted_conftest"}
    assert float(rows["good"]["score"]) == 100.0 and float(rows["syntax_error"]["score"]) == 0.0
    # Gradescope's results.json
    data = json.loads((out / "missing_name" / "results.json").read_text())
    assert data["score"] == 50.0 and {"score", "tests", "execution_time"} <= set(data)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100.0)
