"""A wall-clock limit for a block of code, by SIGALRM.

Used for importing the implementation and for each test. The exception it
raises is chosen by the caller; it interrupts Python code only (a loop inside
compiled code runs on until it returns to Python). Off the main thread, or
where SIGALRM does not exist, the block runs without a limit.
"""
import contextlib
import signal
import threading


@contextlib.contextmanager
def time_limit(seconds: float, make_exception):
    armed = bool(seconds) and threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if not armed:
        yield
        return

    def on_alarm(signum, frame):
        raise make_exception()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
