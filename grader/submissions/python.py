"""A ``.py`` file: the worker imports it as it is."""

from __future__ import annotations

from pathlib import Path

from grader.submissions.prepared import PreparedSource

SUFFIX = ".py"


def load(path: Path, session_dir: Path) -> PreparedSource:
    """The file itself; its lines are the learner's lines."""
    return PreparedSource(path=path)
