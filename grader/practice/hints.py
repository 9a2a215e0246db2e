"""``grade hint`` and ``grade next``: the next hint level for the check a learner is stuck on.

Each check's catalogue entry has a list of hints: level 1 a nudge, level 2 the key formula or
API. ``grade hint`` answers from the last grading of the same file (``progress.last_result``) and
grades again only when the file or the checks changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.messages import Catalogue, catalogue_for
from grader.outputs.base import for_learner
from grader.practice.progress import last_result, progress_recorder
from grader.registry import Exercise
from grader.results import CheckResult, ExerciseResult

if TYPE_CHECKING:  # pragma: no cover  (the engine brings pytest: imported only to grade)
    from grader.engine import GradeOptions


@dataclass(frozen=True)
class HintAnswer:
    """What ``grade hint`` prints: lines of text, and whether it was a usage error."""

    lines: list[str]
    usage_error: bool = False


def latest_result(
    exercise: Exercise,
    *,
    workspace: str | os.PathLike | None = None,
    submission: str | os.PathLike | None = None,
    options: GradeOptions | None = None,
    prefer: str | None = None,
) -> tuple[ExerciseResult, bool]:
    """``exercise``'s result for its current file: the stored one if nothing changed (``True``), else
    graded now and recorded (``False``). :class:`~grader.submissions.SubmissionNotFound` if no file."""
    from grader.submissions import locate

    found = locate(exercise, workspace=workspace, path=submission, prefer=prefer)
    seed = options.seed if options is not None else 0
    stored = last_result(exercise, found, workspace, seed) if submission is None else None
    if stored is not None:
        return stored, True
    from grader.workflow import grade_one

    record = progress_recorder(workspace, seed, submission=submission)
    graded = grade_one(
        exercise, workspace=workspace, submission=submission, options=options, located=found, on_graded=record
    )
    return graded, False


def hint_for(
    result: ExerciseResult,
    exercise: Exercise,
    *,
    level: int = 1,
    check_name: str | None = None,
    reused: bool = False,
    catalogue: Catalogue | None = None,
) -> HintAnswer:
    """The hint at ``level`` for the first check ``result`` fails (or the check ``check_name``, by
    name or title), with the line that says how to get the next level."""
    catalogue = catalogue or catalogue_for(exercise)
    ex = exercise.id
    origin = catalogue.render(
        "hint.from_last" if reused else "hint.graded_now",
        file=Path(result.submission).name,
        score=result.score,
        max_score=result.max_score,
    )
    if result.error or not result.checks:
        reason = _reason(result) or catalogue.render("hint.no_checks_ran")
        return HintAnswer([catalogue.render("hint.not_graded", exercise=ex, reason=reason)])
    if check_name is not None:
        check = _find_check(result, check_name)
        if check is None:
            names = ", ".join(c.name for c in result.checks)
            return HintAnswer([catalogue.render("hint.unknown_check", exercise=ex, name=check_name, names=names)], True)
        if check.passed:
            return HintAnswer([origin, catalogue.render("hint.passed_check", check=check.title)])
    else:
        check = result.hint_check or result.first_failure  # a check that failed on its answer, when there is one
        if check is None:
            return HintAnswer([origin, catalogue.render("hint.all_passed", exercise=ex)])
    shown = for_learner(check, catalogue)
    if not shown.hints:
        key = "hint.hidden" if check.visibility == "hidden" else "hint.no_hint"
        return HintAnswer([catalogue.render(key, check=check.title, level=level)])
    levels = len(shown.hints)
    level = max(1, min(level, levels))
    status = catalogue.render("report.not_attempted" if not check.attempted else f"report.status_{check.status}")
    lines = [
        origin,
        "",
        catalogue.render("hint.header", level=level, levels=levels, check=check.title, status=status),
        "  " + shown.hints[level - 1],
        "",
    ]
    if level < levels:
        lines.append(catalogue.render("hint.next_level", exercise=ex, level=level + 1))
    else:
        lines.append(catalogue.render("hint.last_level", exercise=ex))
    return HintAnswer(lines)


def first_hint(exercise: Exercise, catalogue: Catalogue | None = None) -> tuple[str, str]:
    """The first check's title and level-1 hint, for ``grade next`` (before anything is graded)."""
    catalogue = catalogue or catalogue_for(exercise)
    for name, _ in exercise.sources[0].declared_checks():  # the exercise's own checks, in course order
        hints = catalogue.hints(name)
        if hints:
            return catalogue.check_title(name), hints[0]
    return "", ""


def _find_check(result: ExerciseResult, wanted: str) -> CheckResult | None:
    wanted_key = wanted.strip().lower().replace("-", "_").replace(" ", "_")
    for check in result.checks:
        if wanted_key in (check.name.lower(), check.title.lower().replace(" ", "_")):
            return check
    return None


def _reason(result: ExerciseResult) -> str:
    return (result.error.strip().splitlines() or [""])[-1][:200]
