"""Inputs: finding a learner's submission and turning it into a Python file the worker imports.

:func:`locate` (one exercise) and :func:`locate_all` (several; ``grade all`` and
later batches) are the one path from ``--submission``, ``--workspace`` or the
current folder to a :class:`Submission`. A *loader* knows one kind of file and
returns a :class:`~grader.submissions.prepared.PreparedSource`: one module per
kind (:mod:`~grader.submissions.python`, :mod:`~grader.submissions.notebook`),
registered by suffix in :data:`LOADERS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.content import solutions_dir
from grader.registry import Exercise
from grader.submissions import notebook, python
from grader.submissions.prepared import PreparedSource, SourceLine, UnreadableSubmission  # noqa: F401  (re-exported)


class SubmissionNotFound(FileNotFoundError):
    """No file for this exercise where we looked."""

    def __init__(self, exercise: Exercise, looked_in: list[Path]) -> None:
        super().__init__(exercise.id)
        self.exercise = exercise
        self.looked_in = looked_in


@dataclass(frozen=True)
class Submission:
    """A learner's file for one exercise (or the reference solution)."""

    path: Path
    is_reference: bool = False

    def prepare(self, session_dir: str | os.PathLike) -> PreparedSource:
        """The Python source file the worker should import, with its line map."""
        loader = LOADERS.get(self.path.suffix.lower())
        if loader is None:
            raise ValueError(f"cannot grade {self.path.name}: expected one of {', '.join(LOADERS)}")
        return loader(self.path, Path(session_dir))


# suffix -> loader(path, session_dir) -> PreparedSource; one module per kind of file
LOADERS: dict[str, Callable[[Path, Path], PreparedSource]] = {
    python.SUFFIX: python.load,
    notebook.SUFFIX: notebook.load,
}


def workspace_exercises_dir(workspace: str | os.PathLike | None = None) -> Path:
    """``WORKSPACE/exercises`` if it exists, else ``WORKSPACE`` (default: the current folder)."""
    root = Path(workspace) if workspace is not None else Path.cwd()
    nested = root / "exercises"
    return nested if nested.is_dir() else root


def candidate_paths(exercise: Exercise, workspace: str | os.PathLike | None = None) -> list[Path]:
    """Where a workspace may hold ``exercise``'s file, one path per loader, in loader order."""
    folder = workspace_exercises_dir(workspace)
    return [folder / f"{exercise.module_name}{suffix}" for suffix in LOADERS]


def locate(
    exercise: Exercise,
    *,
    workspace: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
    solutions: bool = False,
) -> Submission:
    """The submission to grade: the reference solution, an explicit ``path`` (a file, or a
    workspace folder), or the file in ``workspace``. :class:`SubmissionNotFound` if there is none."""
    if solutions:
        return Submission(solutions_dir() / exercise.file_name, is_reference=True)
    if path is not None and not Path(path).is_dir():
        candidates = [Path(path)]
    else:  # a folder given as --submission is read like a workspace (a lone .ipynb is found too)
        candidates = candidate_paths(exercise, path if path is not None else workspace)
    for candidate in candidates:
        if candidate.is_file():
            return Submission(candidate.resolve())
    raise SubmissionNotFound(exercise, candidates)


def locate_all(
    exercises: Iterable[Exercise],
    *,
    workspace: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
    solutions: bool = False,
) -> list[tuple[Exercise, Submission | None]]:
    """Each exercise with its submission, or ``None`` where it has no file (graded as 0, never skipped)."""
    found: list[tuple[Exercise, Submission | None]] = []
    for exercise in exercises:
        try:
            found.append((exercise, locate(exercise, workspace=workspace, path=path, solutions=solutions)))
        except SubmissionNotFound:
            found.append((exercise, None))
    return found


locate_submission = locate  # the name the library's first users know
