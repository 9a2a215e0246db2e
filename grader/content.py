"""Where the learner stubs and reference solutions are.

In a checkout they are the top-level ``exercises/`` and ``solutions/`` folders;
an installed wheel carries copies under ``grader/_content/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from grader.registry import Exercise

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


def write_stubs(exercises: Iterable[Exercise], target: Path, *, force: bool = False) -> tuple[int, int]:
    """Copy each exercise's stub into ``target``; keep files that exist unless ``force``. (written, kept)."""
    target.mkdir(parents=True, exist_ok=True)
    written = kept = 0
    for exercise in exercises:
        destination = target / exercise.file_name
        if destination.exists() and not force:
            kept += 1
            continue
        shutil.copyfile(stubs_dir() / exercise.file_name, destination)
        written += 1
    return written, kept
