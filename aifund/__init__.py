"""The AI Fundamentals conformance kit: the spec, the checks, the sandboxed worker, the grader."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("aifund")
except PackageNotFoundError:   # run from a source tree that was never installed
    __version__ = "0+unknown"
