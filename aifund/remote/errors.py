"""What can go wrong at the boundary: the worker gone, the implementation raised, a stale handle.

Plain exception types and their wording for the report; this module never talks to the worker.
"""
from __future__ import annotations


class WorkerGone(BaseException):
    """The worker can no longer answer (timed out, died, or broke the protocol).

    A BaseException, like pytest's own outcomes: Hypothesis must not retry or
    shrink on it (each retry would start a worker and wait out the limit again).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind        # "timeout", "died", "protocol"


class ImplementationRaised(Exception):
    """The implementation raised while answering a request."""

    def __init__(self, type_name: str, message: str, where: str):
        super().__init__(f"{type_name}: {message}" + (f" (at {where})" if where else ""))
        self.type_name, self.text, self.where = type_name, message, where


class NotImplementedYet(BaseException):
    """The implementation raised NotImplementedError: a name not written yet (a starter's stub).

    A BaseException on purpose: Hypothesis would replay and shrink an Exception (each try only raises again,
    minutes for a starter module), and no check that expects a refusal may take it for one. Trusting the
    worker's word here can only lose credit: the item is 'not implemented', never passed."""

    def __init__(self, message: str, where: str):
        super().__init__(f"NotImplementedError: {message}" + (f" (at {where})" if where else ""))
        self.text, self.where = message, where


class ImportFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)


class StaleHandle(RuntimeError):
    pass


def describe_import_error(exc: ImplementationRaised) -> str:
    if exc.type_name == "SystemExit":
        return f"the module called {exc.text} while being imported"
    return f"{exc.type_name}: {exc.text}" + (f" (at {exc.where})" if exc.where else "")


def describe_gone(exc: WorkerGone, during: str, limit: float) -> str:
    if exc.kind == "timeout":
        return f"the {during} did not finish within {limit:g} s (an endless loop at import time?)"
    return f"{exc} (during {during})"
