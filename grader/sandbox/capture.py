"""What the learner's code printed: the worker's stdout and stderr, read back as text.

The worker writes both to ``output.txt`` in the session folder; the grading
process shows its first lines in the report (as text, never parsed), without the
framework's own start-up noise.
"""

from __future__ import annotations

import os
import re
import stat

from grader.sandbox.protocol import printable

MAX_OUTPUT_CHARS = 4000
OUTPUT_FILE = "output.txt"

# TensorFlow's start-up lines and Keras's Keras-2-habit warnings are not the learner's output.
FRAMEWORK_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|I0000 00:00:.*(cudart_stub|port\.cc|cpu_feature_guard)"
    r"|.*UserWarning: Do not pass an `input_shape`/`input_dim` argument to a layer"
    r"|\s+super\(\).__init__\((activity_regularizer=activity_regularizer, )?\*\*kwargs\)"
    r"|.*oneDNN custom operations are on"
    r"|.*To enable the following instructions: .* in other operations, rebuild TensorFlow"
    r"|.*Skipping variable loading for optimizer"
    r"|\s+saveable\.load_own_variables\(weights_store\.get\(inner_path\)\))"
)


def open_capture(session_dir: str) -> int:
    """Create the capture file and return a descriptor the grading process reads it through.

    Opened before any worker starts and never reopened by path: whatever the learner's code later
    puts at that path (a FIFO, a symlink to the hidden checks) is not what the report reads.
    """
    path = os.path.join(session_dir, OUTPUT_FILE)
    return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def open_for_worker(session_dir: str) -> int:
    """The worker's end, opened before learner code runs: a regular file only, never blocking (else /dev/null)."""
    path = os.path.join(session_dir, OUTPUT_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    except OSError:  # a FIFO without a reader, a symlink: left by the learner's code in an earlier run
        return os.open(os.devnull, os.O_WRONLY)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return os.open(os.devnull, os.O_WRONLY)
    os.set_blocking(fd, True)
    return fd


def read_output(fd: int) -> tuple[str, int]:
    """The first ``MAX_OUTPUT_CHARS`` of what the learner's code printed, and how much was cut,
    read through the descriptor from :func:`open_capture`."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "", 0
        size, head = info.st_size, os.pread(fd, MAX_OUTPUT_CHARS * 4, 0)
    except OSError:
        return "", 0
    text = printable(head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(line for line in text.splitlines(keepends=True) if not FRAMEWORK_NOISE.match(line))
    shown = kept[:MAX_OUTPUT_CHARS]
    return shown, max(0, size - len(head)) + len(kept) - len(shown)
