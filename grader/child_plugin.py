"""Runs inside the grading child process (``pytest -p grader.child_plugin``), next to the submission.

- Sends one JSON line per event to the grader over an inherited pipe
  (``--results-fd``): "start" before each test, "result" after it. The
  grader, not this process, decides scores and writes every report file.
- Guards the oracles (grader/guard.py): a replaced library or kit function,
  method or pytest hook turns every later result into "error: tampering".
- Blocks ``import impl`` from the submission's own files (unless
  ``--allow-reference``): a submission must not hand in the reference.
"""
from __future__ import annotations

import json
import os
import sys

import pytest

from grader.guard import Guard


def pytest_addoption(parser):
    group = parser.getgroup("grading")
    group.addoption("--results-fd", type=int, default=None)
    group.addoption("--submission-dir", default=None)
    group.addoption("--allow-reference", action="store_true")


class ReferenceBlocker:
    """A meta-path finder that refuses ``impl`` to code living in the submission's directory."""

    def __init__(self, submission_dir: str):
        self.root = os.path.realpath(submission_dir)

    def inside(self, path: str) -> bool:
        path = os.path.realpath(path)
        return path == self.root or path.startswith(self.root + os.sep)

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "impl" and not fullname.startswith("impl."):
            return None
        if path and all(self.inside(p) for p in path):
            return None   # a submodule of the submission's own package that happens to be called impl
        frame = sys._getframe(1)
        while frame is not None:
            filename = os.path.realpath(frame.f_code.co_filename)
            if self.inside(filename):
                raise ImportError("the submission imports the reference implementation ('impl'); "
                                  "graded submissions must implement the contract themselves")
            frame = frame.f_back
        return None


class Channel:
    """In the controlling process: one JSON line per event to the grader."""

    def __init__(self, config):
        self.fd = config.getoption("--results-fd")

    def send(self, **event):
        if self.fd is not None:
            os.write(self.fd, (json.dumps(event) + "\n").encode())

    def pytest_xdist_node_collection_finished(self, node, ids):
        # the workers collect; the grader keeps the first list it hears of
        self.send(event="collected", nodeids=list(ids))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self, nodeid, location):
        self.send(event="start", nodeid=nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
        sent = False
        for key, value in report.user_properties:
            if key == "conformance":
                self.send(event="result", nodeid=report.nodeid, when=report.when, **json.loads(value))
                sent = True
        if not sent and report.failed:
            # a pytest-xdist worker that died reports the test it was running without our properties
            from grader.collect import items_by_nodeid
            items = items_by_nodeid().get(report.nodeid.split("[")[0], [])
            text = (report.longreprtext or "").strip().splitlines()
            self.send(event="result", nodeid=report.nodeid, when=report.when, items=items, status="error",
                      message="the submission's process died while this test was running: "
                              + (text[0] if text else "no message"))

    def pytest_runtest_logfinish(self, nodeid, location):
        self.send(event="finish", nodeid=nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        self.send(event="done")   # the run ended on its own: a child without it was killed or exited early


def pytest_configure(config):
    submission_dir = config.getoption("--submission-dir")
    if submission_dir and not config.getoption("--allow-reference"):
        sys.meta_path.insert(0, ReferenceBlocker(submission_dir))
        # an already imported module is served from sys.modules without asking any finder
        for name in [n for n in sys.modules if n == "impl" or n.startswith("impl.")]:
            del sys.modules[name]
    # the grader always runs the suite through pytest-xdist (grader/run.py): workers run the tests next
    # to the submission and are guarded; the controlling process never imports it and holds the pipe
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(Guard(config), "grading-guard")
    else:
        config.pluginmanager.register(Channel(config), "grading-channel")
