"""A ``.py`` file: its bytes, as read once by the intake, written into the session folder, where
the worker imports them as they are.

The copy lets the worker's view hide the learner's own folder (a class folder holds other
learners' files) and keeps the original out of reach of the code it contains.
"""

from __future__ import annotations

from pathlib import Path

from grader.submissions.intake import Intake
from grader.submissions.prepared import PreparedSource

SUFFIX = ".py"


def load(source: Intake, session_dir: Path, *, run_all: bool = True) -> PreparedSource:
    """``source``'s bytes as a file in ``session_dir``; its lines are the learner's lines (a ``.py``
    always runs whole, as Python imports it, so ``run_all`` changes nothing)."""
    target = session_dir / source.name
    session_dir.mkdir(parents=True, exist_ok=True)  # a failure here is ours, not the learner's file
    target.write_bytes(source.data)
    return PreparedSource(path=target)
