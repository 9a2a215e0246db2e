"""Where the learner stubs and reference solutions are.

In a checkout they are the top-level ``exercises/`` and ``solutions/`` folders;
an installed wheel carries copies under ``grader/_content/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_root() -> Path:
    """The folder holding ``exercises/`` and ``solutions/``."""
    packaged = _PACKAGE / "_content"
    if (packaged / "exercises").is_dir():
        return packaged
    return _PACKAGE.parent


def stubs_dir() -> Path:
    return content_root() / "exercises"


def solutions_dir() -> Path:
    return content_root() / "solutions"
