"""The worker: imports the implementation under test and answers requests about it.

    python -m aifund.worker.serve --in FD --out FD [--reference-path DIR] [--framework tinygrad|torch]

It runs inside the sandbox and holds the only copy of the implementation's
objects. It never decides anything: it calls what it is asked to call and sends
back what came out (arrays as .npy bytes, other objects as numbered handles with
their type, shape and dtype as claims). Everything it says is checked by the
kit's process, which never imports the implementation.

This module is the request loop and the command line; Worker (requests.py) answers the requests.
"""
from __future__ import annotations

import argparse
import os
import sys

from aifund.worker import frameworks, wire
from aifund.worker.requests import Worker


def serve(fd_in: int, fd_out: int, reference_path: str | None, framework: str = "tinygrad"):
    worker = Worker(reference_path, loop=sys.modules[__name__], framework=framework)
    reader = wire.FrameReader()
    inp = os.fdopen(fd_in, "rb", buffering=0)
    out = os.fdopen(fd_out, "wb", buffering=0)
    while True:
        data = inp.read(1 << 16)
        if not data:
            return
        for header, blobs in reader.feed(data):
            reply, reply_blobs = worker.answer(header, blobs)
            try:
                frame = wire.pack(reply, reply_blobs)
            except wire.WireError as exc:
                frame = wire.pack({"protocol_error": str(exc)}, [])
            out.write(frame)


def main():
    # No pool of compiler processes (tinygrad starts one per process by default): the kit already runs
    # a worker per test process on every core, the pool's processes are started afresh every 16 kernels,
    # and they would not use the lowering cache. The grader sets PARALLEL=0 as well.
    os.environ.setdefault("PARALLEL", "0")
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="fd_in", type=int, required=True)
    parser.add_argument("--out", dest="fd_out", type=int, required=True)
    parser.add_argument("--reference-path", default=None)
    parser.add_argument("--framework", default="tinygrad", choices=frameworks.NAMES)
    args = parser.parse_args()
    serve(args.fd_in, args.fd_out, args.reference_path, args.framework)


if __name__ == "__main__":
    main()
