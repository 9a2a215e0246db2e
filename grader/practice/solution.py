"""``grade solution``: the reference solution, once the learner has passed the exercise.

Passing is what the workspace's progress records (``passed_at``, the first run where every check
passed). The solution is printed, never written into the learner's files, unless ``--write``: then
their own file is first copied to ``.kerasdrill/backup/``.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.content import solutions_dir
from grader.messages import Catalogue, catalogue_for
from grader.practice.progress import STATE_DIR, load_progress, workspace_root
from grader.registry import Exercise


@dataclass(frozen=True)
class SolutionView:
    """What ``grade solution`` shows: ``lines`` (messages) and the ``source``, or ``None`` when locked."""

    lines: list[str] = field(default_factory=list)
    source: str | None = None

    @property
    def locked(self) -> bool:
        return self.source is None


def solution_view(
    exercise: Exercise,
    workspace: str | os.PathLike | None = None,
    *,
    force: bool = False,
    catalogue: Catalogue | None = None,
) -> SolutionView:
    """The reference solution if the workspace has passed ``exercise`` (or with ``force``, after a
    line saying it has not); otherwise only the line that says how to unlock it."""
    catalogue = catalogue or catalogue_for(exercise)
    progress = load_progress(workspace)
    entry = progress.get(exercise.id)
    lines = [catalogue.render(note["$message"], **note["params"]) for note in progress.notes]
    if not entry.passed:
        best = f"{entry.best_score}/{entry.max_score}" if entry.best_score is not None else "-"
        if not force:
            return SolutionView([*lines, catalogue.render("solution.locked", exercise=exercise.id, best=best)])
        lines.append(catalogue.render("solution.forced", exercise=exercise.id))
    lines.append(catalogue.render("solution.header", exercise=exercise.id, title=catalogue.title()))
    return SolutionView(lines, reference_source(exercise))


def reference_source(exercise: Exercise) -> str:
    return (solutions_dir() / exercise.file_name).read_text(encoding="utf-8")


def write_solution(exercise: Exercise, workspace: str | os.PathLike | None = None) -> tuple[Path, Path | None]:
    """Write the reference ``.py`` into the workspace's exercise folder; the learner's file, if any,
    is first copied to ``.kerasdrill/backup/<name>.<time>``. Returns (written, backup or ``None``)."""
    from grader.submissions import workspace_exercises_dir

    target = workspace_exercises_dir(workspace) / exercise.file_name
    backup = None
    if os.path.lexists(target):  # a link, FIFO or device too: moved aside, never read or written through
        backup = workspace_root(workspace) / STATE_DIR / "backup" / f"{target.name}.{time.strftime('%Y%m%d-%H%M%S')}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(target, backup)
        except OSError:  # another file system: copied as it is (a link as a link; a FIFO raises, nothing written)
            shutil.copy2(target, backup, follow_symlinks=False)
            target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reference_source(exercise), encoding="utf-8")
    return target, backup
