"""A ``.py`` file: copied into the session folder, where the worker imports it as it is.

The copy lets the worker's view hide the learner's own folder (a class folder holds other
learners' files) and keeps the original out of reach of the code it contains.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.submissions.prepared import PreparedSource, UnreadableSubmission

SUFFIX = ".py"


def load(path: Path, session_dir: Path, *, run_all: bool = True) -> PreparedSource:
    """A copy of the file in ``session_dir``; its lines are the learner's lines (a ``.py`` always runs
    whole, as Python imports it, so ``run_all`` changes nothing)."""
    target = session_dir / path.name
    try:
        session_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    except OSError as exc:  # unreadable, a folder of that name, vanished since it was found
        raise UnreadableSubmission(f"{type(exc).__name__}: {exc.strerror or exc}") from None
    return PreparedSource(path=target)
