"""Submissions that tamper with what their own process can reach: numpy, the kit's modules and tables, tinygrad,
pytest's plugins, report files. Sources and expected verdicts only; never runs them.
"""
from tests.grader.hostile.case import GOOD, NOT_PASS, WRONG_RELU, Case

TAMPERING: dict[str, Case] = {
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
}
