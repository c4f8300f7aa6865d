"""Submissions that write malformed wire frames on the worker's --out fd, and FRAME, the source of the helpers
that build a frame by hand (aifund/worker/wire.py's format). Sources and expected verdicts only; never runs them.
"""
from tests.grader.hostile.case import GOOD, Case

# Builds one wire frame by hand (aifund/worker/wire.py's format), as a submission that reads the kit would.
FRAME = '''
import json as _json, struct as _struct, sys as _sys
def _frame(header, blob_lengths=()):
    """A frame whose blobs are announced (their lengths), never sent."""
    head = _json.dumps(header).encode()
    out = b"AF1" + _struct.pack(">I", len(head)) + head + _struct.pack(">H", len(blob_lengths))
    return out + b"".join(_struct.pack(">Q", n) for n in blob_lengths)
def _out_fd():
    return int(_sys.argv[_sys.argv.index("--out") + 1])
def _current_seq():
    """The sequence number of the request being answered: the worker's answer() holds it in a local."""
    f = _sys._getframe()
    while f is not None:
        if f.f_code.co_name == "answer" and "seq" in f.f_locals:
            return f.f_locals["seq"]
        f = f.f_back
    return None
def _send_and_hang(header, blob_lengths=()):
    import os, time
    data = _frame(header, blob_lengths)
    while data:
        data = data[os.write(_out_fd(), data):]
    time.sleep(10 ** 6)     # the kit must not wait for anything more
'''


FRAMES: dict[str, Case] = {
    # ------------------------------------------------------------ malformed frames on the --out fd
    # sigmoid answers with a handle whose fields have the wrong types, relu with an unknown tag
    "malformed_frames": Case(GOOD + FRAME + '''
def sigmoid(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$obj": "x", "type": 5}})
def relu(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$evil": 1}})
''', "error", "error", sigmoid_says=("malformed",), relu_says=("$evil",), relu_never_says=("timed out",)),
    # relu answers with a frame that claims a 120 MB array
    "oversized_frame": Case(GOOD + FRAME + '''
def relu(z):
    _send_and_hang({"seq": _current_seq(), "ok": {"$a": 0}}, blob_lengths=[120 << 20])
''', "pass", "error", relu_says=("byte limit",), relu_never_says=("timed out",)),
}
