"""Console scripts end quietly when their reader goes away (``aifund-contract items | head``): no
BrokenPipeError traceback, and exit status 141, as a shell reports a process ended by SIGPIPE.
It wraps a command's output only; it never changes what the command does or prints."""
from __future__ import annotations

import functools
import os
import sys

CLOSED_PIPE = 141   # 128 + SIGPIPE


def quiet(main):
    """``main`` as a console script: a write to a closed standard output ends it with CLOSED_PIPE."""
    @functools.wraps(main)
    def command(*args, **kwargs):
        try:
            try:
                return main(*args, **kwargs)
            finally:   # also after --help's SystemExit: what is still buffered fails here, not at the exit
                sys.stdout.flush()
        except BrokenPipeError:
            # Python flushes stdout again at exit; pointed at /dev/null, that flush cannot fail and print.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return CLOSED_PIPE
    return command
