"""What one hostile submission is (its Case: source and the verdicts it deserves) and the pieces every source
starts from: a correct sigmoid and relu (GOOD), a wrong relu, the secrets no output may show. Never runs a source.
"""
from __future__ import annotations

from dataclasses import dataclass

CLASSMATE_SECRET = "classmate-secret-7f3a9c1e"       # in good.py; nobody else may ever show it
FILE_SECRET = "root-only-secret-52b8d04a"            # a root-only file outside the submissions folder
DAEMON_MARKER = "hostile-daemon-e41c6b"              # in the detached daemon's command line
ANY = frozenset({"pass", "fail", "error", "timeout", "not implemented", "missing", "skipped"})
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


@dataclass
class Case:
    code: str | None                  # None: built by hand in on_disk.write_on_disk
    sigmoid: str | frozenset          # the status (or the statuses) each item may get
    relu: str | frozenset
    sigmoid_says: tuple = ()          # one of these words must be in the item's message
    relu_says: tuple = ()
    relu_never_says: tuple = ()
