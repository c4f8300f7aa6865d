"""A header the JSON reader refuses for any reason is a protocol error of the worker, never an exception the
kit's side does not expect (which would leave the frame reader half-way through a frame)."""
import struct

import pytest

from aifund.worker import wire

pytestmark = pytest.mark.meta


def _frame(head: bytes) -> bytes:
    return wire.MAGIC + struct.pack(">I", len(head)) + head + struct.pack(">H", 0)


@pytest.mark.parametrize("head", [
    b'{"seq": 1, "ok": ' + b"9" * 5000 + b"}",      # int() refuses more than 4300 digits: a ValueError
    b'{"seq": 1, "ok": NaN}',
    b'\xff\xfe not utf-8',
    b'[1, 2]',
])
def test_a_header_json_cannot_read_is_a_wire_error(head):
    with pytest.raises(wire.WireError):
        wire.FrameReader().feed(_frame(head))
