"""The latency gates in this repository's test run: the tests are the package's own (aifund/edge/latency_gates.py,
which an installed wheel runs with ``pytest --pyargs aifund.edge.latency_gates``); see its docstring.

    ./run-tests -m jetson --require-device=jetson    (or AIFUND_REQUIRE_DEVICE=jetson)
"""
from aifund.edge.latency_gates import (model_files, pytest_generate_tests,  # noqa: F401 - collected here
                                       test_budget_file_names_known_profiles_models_and_paths,
                                       test_latency_within_budget)
