"""Submissions broken in the ordinary ways (syntax, imports, crashes, endless loops, memory, exits, NaN, wrong
shapes) and ones that flood or forge their output. Sources and expected verdicts only; never runs them.
"""
from tests.grader.hostile.case import GOOD, Case

BROKEN: dict[str, Case] = {
    # ------------------------------------------------------------ broken in the ordinary ways
    "syntax_error": Case(GOOD + "\ndef broken(:\n", "error", "error", relu_says=("SyntaxError",)),
    "import_error": Case("import numpy_that_does_not_exist\n" + GOOD, "error", "error",
                         relu_says=("numpy_that_does_not_exist",)),
    "missing_name": Case(GOOD.split("def relu")[0], "pass", "missing", relu_says=("relu",)),
    "infinite_loop": Case(GOOD + "\ndef relu(z):\n    while True:\n        pass\n", "pass", "timeout",
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
}
