"""Small readers the binary formats share, with their bounds checked."""

from __future__ import annotations


def uleb128(buf: bytes, pos: int, max_bytes: int) -> tuple[int, int]:
    """(value, position after it) of an unsigned LEB128 number: DEX string lengths (at
    most 5 bytes), protobuf varints (at most 10). EOFError when `buf` ends inside it,
    ValueError when it runs past `max_bytes`; callers say which file that makes bad."""
    result = shift = 0
    for _ in range(max_bytes):
        if pos >= len(buf):
            raise EOFError
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    raise ValueError
