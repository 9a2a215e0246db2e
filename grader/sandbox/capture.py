"""What the learner's code printed: the worker's stdout and stderr, read back as text.

The worker writes both to ``output.txt`` in the session folder; the grading
process shows its first lines in the report (as text, never parsed), without the
framework's own start-up noise.
"""

from __future__ import annotations

import os
import re

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


def read_output(path: str) -> tuple[str, int]:
    """The first ``MAX_OUTPUT_CHARS`` of what the learner's code printed, and how much was cut."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(MAX_OUTPUT_CHARS * 4)
    except OSError:
        return "", 0
    text = printable(head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(line for line in text.splitlines(keepends=True) if not FRAMEWORK_NOISE.match(line))
    shown = kept[:MAX_OUTPUT_CHARS]
    return shown, max(0, size - len(head)) + len(kept) - len(shown)
