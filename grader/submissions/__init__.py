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
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.content import solutions_dir
from grader.messages import message_ref
from grader.registry import Exercise
from grader.submissions import notebook, python
from grader.submissions.intake import Intake, read_submission, refused
from grader.submissions.prepared import PreparedSource, SourceLine, UnreadableSubmission  # noqa: F401  (re-exported)


class SubmissionNotFound(FileNotFoundError):
    """No file for this exercise where we looked."""

    def __init__(self, exercise: Exercise, looked_in: list[Path]) -> None:
        super().__init__(exercise.id)
        self.exercise = exercise
        self.looked_in = looked_in


@dataclass(frozen=True)
class Submission:
    """A learner's file for one exercise (or the reference solution).

    ``root``: the folder the learner's files are below (workspace, class folder); no folder
    between it and the file may be a link. The file is read once (:meth:`read`, see
    :mod:`~grader.submissions.intake`); hashing and preparing use those bytes.
    """

    path: Path
    is_reference: bool = False
    notes: tuple = ()  # message refs about how it was chosen (the newer of a .py and a .ipynb)
    root: Path | None = None
    _read: dict = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )  # the one read, once done

    def read(self) -> Intake:
        """The file's bytes, read once (the first call reads; later calls give the same bytes or the
        same :class:`UnreadableSubmission`)."""
        if "intake" not in self._read:
            try:
                if self.path.suffix.lower() not in LOADERS:
                    raise refused(message_ref("intake.wrong_suffix", suffixes=", ".join(LOADERS)))
                self._read["intake"] = read_submission(self.path, self.root)
            except UnreadableSubmission as exc:
                self._read["intake"] = exc
        found = self._read["intake"]
        if isinstance(found, UnreadableSubmission):
            raise found
        return found

    def sha256(self) -> str:
        """The sha256 of the bytes graded (``""``: the file could not be read)."""
        try:
            return self.read().sha256
        except UnreadableSubmission:
            return ""

    def prepare(self, session_dir: str | os.PathLike, *, run_all: bool = False) -> PreparedSource:
        """The Python source file the worker should import, with its line map. ``run_all``: a
        notebook's top-level code runs too (a ``.py`` always runs whole, as Python imports it).
        :class:`UnreadableSubmission` if the file cannot be read or parsed within the bounds."""
        source = self.read()
        prepared = LOADERS[source.suffix](source, Path(session_dir), run_all=run_all)
        prepared.notes[:0] = list(self.notes)
        return prepared


# suffix -> loader(intake, session_dir) -> PreparedSource; one module per kind of file
LOADERS: dict[str, Callable[..., PreparedSource]] = {  # (Intake, session_dir, *, run_all) -> PreparedSource
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
    prefer: str | None = None,
    root: str | os.PathLike | None = None,
) -> Submission:
    """The submission to grade: the reference solution, an explicit ``path`` (a file, or a
    workspace folder), or the file in ``workspace``. :class:`SubmissionNotFound` if there is none.

    A folder holding both the ``.py`` and the ``.ipynb`` gives the newer one (its note says which
    and why), or the one ``prefer`` (``"py"`` or ``"ipynb"``) names. ``root``: the folder below which
    no folder may be a link (a class folder); default, the workspace or folder searched.
    """
    if solutions:
        return Submission(solutions_dir() / exercise.file_name, is_reference=True)
    if path is not None and not Path(path).is_dir():
        candidates = [Path(path)]  # a file named on the command line: only the file itself must not be a link
    else:  # a folder given as --submission is read like a workspace (a lone .ipynb is found too)
        folder = path if path is not None else workspace
        candidates = candidate_paths(exercise, folder)
        root = root if root is not None else (folder if folder is not None else Path.cwd())
    root = Path(os.path.abspath(root)) if root is not None else None
    # a link, FIFO or device named like the file is found (and refused when read, with a note), never followed
    found = [Path(os.path.abspath(candidate)) for candidate in candidates if _is_there(candidate)]
    if not found:
        raise SubmissionNotFound(exercise, candidates)
    if len(found) == 1:
        return Submission(found[0], root=root)
    if prefer is not None:
        return Submission(next((f for f in found if f.suffix == f".{prefer}"), found[0]), root=root)
    newest = max(found, key=lambda f: (f.lstat().st_mtime_ns, f.suffix == ".py"))  # a tie: the .py
    other = next(f for f in found if f != newest)
    note = message_ref("notebook.chosen_file", chosen=newest.name, other=other.name)
    return Submission(newest, notes=(note,), root=root)


def _is_there(path: Path) -> bool:
    """Something other than a folder is at ``path`` (a link is not followed)."""
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def locate_all(
    exercises: Iterable[Exercise],
    *,
    workspace: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
    solutions: bool = False,
    prefer: str | None = None,
) -> list[tuple[Exercise, Submission | None]]:
    """Each exercise with its submission, or ``None`` where it has no file (graded as 0, never skipped)."""
    found: list[tuple[Exercise, Submission | None]] = []
    for exercise in exercises:
        try:
            located = locate(exercise, workspace=workspace, path=path, solutions=solutions, prefer=prefer)
            found.append((exercise, located))
        except SubmissionNotFound:
            found.append((exercise, None))
    return found


def export_source(submission: Submission | str | os.PathLike, *, run_all: bool = False) -> tuple[str, list]:
    """The Python module the grader imports for ``submission`` (or the file at that path: a notebook's
    kept cells, with a ``# cell N`` comment before each), and the loader's notes.
    :class:`UnreadableSubmission` if the file cannot be read."""
    import tempfile

    if not isinstance(submission, Submission):
        submission = Submission(Path(submission))
    with tempfile.TemporaryDirectory(prefix="kerasdrill-export-") as session:
        prepared = submission.prepare(session, run_all=run_all)
        lines = prepared.path.read_text(encoding="utf-8").splitlines()
    out, cell = [], None
    for number, text in enumerate(lines, start=1):
        place = prepared.line_map.get(number)
        if place is not None and place.cell != cell:
            cell = place.cell
            out += ["", f"# cell {cell}"] if out else [f"# cell {cell}"]
        out.append(text)
    return "\n".join(out) + "\n", prepared.notes


def file_sha256(submission: Submission | str | os.PathLike) -> str:
    """The sha256 of the bytes a submission is graded from (provenance, ``--resume``'s and the progress
    file's test of "unchanged"): read once through the intake, so a link or a FIFO is never followed;
    ``""`` for a file that cannot be read."""
    if not isinstance(submission, Submission):
        submission = Submission(Path(submission))
    return submission.sha256()


locate_submission = locate  # the name the library's first users know
