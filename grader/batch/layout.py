"""Where a class's learners and their files are: one folder per learner.

``CLASS_DIR/<learner>/`` holds a learner's files, either directly or in an ``exercises/``
folder (a workspace made by ``grade init``), as ``.py`` or ``.ipynb``. GitHub Classroom's
``gh classroom clone student-repos`` makes ``<assignment>-submissions/<assignment>-<user>/``:
such a folder (CLASS_DIR itself, or one inside it) counts as the learners' parent, and the
learner id is the user name, without the assignment prefix. Folders whose names start with
``.`` or ``_`` are not learners.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.registry import Exercise
from grader.submissions import (  # noqa: F401  (file_sha256 re-exported)
    LOADERS,
    Submission,
    SubmissionNotFound,
    file_sha256,
    locate,
    workspace_exercises_dir,
)

CLASSROOM_SUFFIX = "-submissions"


@dataclass(frozen=True)
class LearnerFolder:
    """One learner: their id (a folder name), the folder their files are in, and the class folder
    (``root``: no folder between it and a learner's file may be a link, the learner's own included)."""

    learner: str
    folder: Path
    root: Path | None = None

    def submission(self, exercise: Exercise) -> Submission | None:
        """The learner's file for ``exercise``, or ``None`` if they have none."""
        try:
            return locate(exercise, path=self.folder, root=self.root)
        except SubmissionNotFound:
            return None

    def unrecognised(self, exercises: list[Exercise]) -> list[str]:
        """Files that look like submissions but are named like no exercise (e.g. a renamed copy)."""
        known = {e.module_name for e in exercises}
        folder = workspace_exercises_dir(self.folder)
        try:
            names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False))
        except OSError:
            return []
        return [n for n in names if Path(n).suffix.lower() in LOADERS and Path(n).stem not in known]

    def is_empty(self) -> bool:
        try:
            return not any(os.scandir(self.folder))
        except OSError:
            return True


def _is_learner_folder(path: Path, skip: set[Path]) -> bool:
    return path.is_dir() and not path.name.startswith((".", "_")) and path.resolve() not in skip


def find_learners(class_dir: str | os.PathLike, *, skip: tuple[str | os.PathLike, ...] = ()) -> list[LearnerFolder]:
    """Every learner of ``class_dir``, sorted by id (so every output is in the same order).

    ``skip``: folders that are not learners even if they sit in ``class_dir`` (the outputs folder).
    Two folders that give the same id (the same user in two assignments' clones) are both kept,
    the second as ``<id>~2``.
    """
    root = Path(class_dir)
    skipped = {Path(p).resolve() for p in skip}
    found: list[LearnerFolder] = []
    parents = [root] if not root.name.endswith(CLASSROOM_SUFFIX) else []
    clones = [root] if root.name.endswith(CLASSROOM_SUFFIX) else []
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        if entry.name.endswith(CLASSROOM_SUFFIX) and entry.is_dir():
            clones.append(entry)
    for parent in parents:
        for entry in sorted(parent.iterdir()):
            if _is_learner_folder(entry, skipped) and entry not in clones:
                found.append(LearnerFolder(entry.name, entry, root))
    for clone in clones:
        prefix = clone.name[: -len(CLASSROOM_SUFFIX)] + "-"
        for entry in sorted(clone.iterdir()):
            if _is_learner_folder(entry, skipped):
                learner = entry.name[len(prefix) :] if entry.name.startswith(prefix) else entry.name
                found.append(LearnerFolder(learner or entry.name, entry, root))
    seen: dict[str, int] = {}
    unique = []
    for item in sorted(found, key=lambda f: (f.learner, str(f.folder))):
        seen[item.learner] = seen.get(item.learner, 0) + 1
        name = item.learner if seen[item.learner] == 1 else f"{item.learner}~{seen[item.learner]}"
        unique.append(LearnerFolder(name, item.folder, item.root))
    return unique


def current_files(learner: LearnerFolder, exercises: Sequence[Exercise]) -> dict[str, str]:
    """Exercise id -> sha256 of the learner's file for it (``""``: none), as a result records them."""
    return submission_hashes([(exercise, learner.submission(exercise)) for exercise in exercises])


def submission_hashes(items: Sequence[tuple[Exercise, Any]]) -> dict[str, str]:
    """Exercise id -> sha256 of each located submission (``""``: none or unreadable): of the bytes
    read once by the intake, the very bytes then graded (never the path read again)."""
    return {exercise.id: submission.sha256() if submission is not None else "" for exercise, submission in items}
