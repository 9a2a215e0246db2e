"""Length-prefixed frames between a grading process and the child it forked (both grader-owned)."""

from __future__ import annotations

import os

HEADER = 8
#: The most a frame may carry: a result holds at most the learner's output (capped) and check messages.
MAX_FRAME = 256 * 1024 * 1024


def send_frame(fd: int, data: bytes) -> None:
    """Write ``data`` with its length in front; blocks until all is written."""
    view = memoryview(len(data).to_bytes(HEADER, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes | None:
    """The next frame's bytes; ``None`` if the other end closed (or sent more than :data:`MAX_FRAME`)."""
    header = _read_exactly(fd, HEADER)
    if header is None:
        return None
    size = int.from_bytes(header, "big")
    if size > MAX_FRAME:
        return None
    return _read_exactly(fd, size)
