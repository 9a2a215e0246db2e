"""Finding a learner's submission and turning it into a Python file the worker imports.

A *loader* knows one kind of file. ``.py`` files are imported as they are;
notebook support (``.ipynb`` via nbformat) plugs in here as another loader
without touching the engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.content import solutions_dir
from grader.registry import Exercise


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

    def prepare(self, session_dir: str | os.PathLike) -> Path:
        """The Python source file the worker should import."""
        loader = LOADERS.get(self.path.suffix.lower())
        if loader is None:
            raise ValueError(f"cannot grade {self.path.name}: expected one of {', '.join(LOADERS)}")
        return loader(self.path, Path(session_dir))


def _load_python(path: Path, session_dir: Path) -> Path:
    return path


def _load_notebook(path: Path, session_dir: Path) -> Path:
    """A notebook's code cells, in order, as one module; IPython magics and shell escapes are commented out."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        lines = []
        for line in str(cell.get("source", "")).splitlines():
            stripped = line.lstrip()
            lines.append(
                line[: len(line) - len(stripped)] + "pass  # " + stripped if stripped.startswith(("%", "!")) else line
            )
        cells.append(f"# --- cell {index + 1} ---\n" + "\n".join(lines))
    target = session_dir / f"{path.stem}.py"
    target.write_text("\n\n".join(cells) + "\n", encoding="utf-8")
    return target


# suffix -> loader(path, session_dir) -> importable .py path
LOADERS: dict[str, Callable[[Path, Path], Path]] = {".py": _load_python, ".ipynb": _load_notebook}


def workspace_exercises_dir(workspace: str | os.PathLike | None = None) -> Path:
    """``WORKSPACE/exercises`` if it exists, else ``WORKSPACE`` (default: the current folder)."""
    root = Path(workspace) if workspace is not None else Path.cwd()
    nested = root / "exercises"
    return nested if nested.is_dir() else root


def candidate_paths(exercise: Exercise, workspace: str | os.PathLike | None = None) -> list[Path]:
    folder = workspace_exercises_dir(workspace)
    return [folder / f"{exercise.module_name}{suffix}" for suffix in LOADERS]


def locate_submission(
    exercise: Exercise,
    *,
    workspace: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
    solutions: bool = False,
) -> Submission:
    """The submission to grade: an explicit ``path``, the reference solution, or the workspace file."""
    if solutions:
        return Submission(solutions_dir() / exercise.file_name, is_reference=True)
    if path is not None:
        candidate = Path(path)
        if candidate.is_dir():
            candidate = workspace_exercises_dir(candidate) / exercise.file_name
        if not candidate.is_file():
            raise SubmissionNotFound(exercise, [candidate])
        return Submission(candidate.resolve())
    candidates = candidate_paths(exercise, workspace)
    for candidate in candidates:
        if candidate.is_file():
            return Submission(candidate.resolve())
    raise SubmissionNotFound(exercise, candidates)
