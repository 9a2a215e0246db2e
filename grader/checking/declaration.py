"""Fail closed: a result lists every check the exercise declares, with the points it declares.

An exercise's ``max_score`` is the sum of its declared checks
(:meth:`grader.registry.Exercise.declared_checks`, read from the checks' source),
never what a run happened to collect. :func:`fail_closed` is applied to every
result the engine builds: a declared check that has no outcome (the run stopped,
collection failed, the worker never started) is listed as an error of ours worth
0 of its points; a check's points are clamped to ``0 <= points <= max_points``.
So ``0 <= score <= max_score == exercise.max_score`` holds for every report.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.messages import Catalogue
from grader.outcomes import Status
from grader.registry import Exercise
from grader.results import CheckResult, ExerciseResult


def check_catalogues(exercise: Exercise, language: str) -> dict[str, tuple[Catalogue, str]]:
    """Result name -> (its source's catalogue, the check's name there), for every declared check."""
    found = {}
    for source in exercise.sources:
        catalogue = Catalogue(language, source.directory)
        for name, _ in source.declared_checks():
            found[source.result_name(name, exercise.root.origin)] = (catalogue, name)
    return found


def placeholder(
    names: dict[str, tuple[Catalogue, str]],
    name: str,
    points: int,
    *,
    message_id: str,
    attempted: bool,
    internal: bool,
    params: dict | None = None,
) -> CheckResult:
    """A declared check without an outcome: 0 of its ``points``, with ``message_id`` as the reason.

    ``names`` is :func:`check_catalogues` of the exercise (built once per result).
    """
    catalogue, bare = names[name]
    return CheckResult(
        name=name,
        title=catalogue.check_title(bare),
        status=Status.ERROR if internal else Status.FAILED,
        points=0,
        max_points=points,
        message=catalogue.render_check_message(message_id, params or {}),
        message_id=message_id,
        params=params or {},
        hints=catalogue.hints(bare),
        attempted=attempted,
        internal=internal,
    )


def check_visibilities(exercise: Exercise) -> dict[str, str]:
    """Result name -> the visibility of the source that declares it."""
    return {
        source.result_name(name, exercise.root.origin): source.visibility
        for source in exercise.sources
        for name, _ in source.declared_checks()
    }


def unattempted_result(exercise: Exercise, language: str = "en") -> ExerciseResult:
    """The result for an exercise with no file: every declared check listed, 0 points, not attempted."""
    catalogue = Catalogue(language, exercise.directory)
    names = check_catalogues(exercise, language)
    shown = check_visibilities(exercise)
    checks = [
        replace(
            placeholder(names, name, points, message_id="report.no_submission", attempted=False, internal=False),
            visibility=shown[name],
        )
        for name, points in exercise.declared_checks()
    ]
    return ExerciseResult(
        exercise=exercise.id,
        slug=exercise.slug,
        title=catalogue.title(),
        submission="",
        checks=checks,
        language=language,
    )


def unreadable_result(
    exercise: Exercise, submission: str, reason: Any, language: str = "en", *, message_id: str = "engine.unreadable"
) -> list[CheckResult]:
    """Every declared check failed because the learner's file could not be read: ``message_id``
    (``engine.unreadable``, or ``engine.refused_file`` for a link, FIFO or oversize file) with
    ``reason`` (a message ref, rendered in the learner's language) as its ``error``."""
    names = check_catalogues(exercise, language)
    params = {"file": Path(submission).name, "error": reason}
    return [
        placeholder(names, name, points, message_id=message_id, attempted=True, internal=False, params=params)
        for name, points in exercise.declared_checks()
    ]


def fail_closed(result: ExerciseResult, exercise: Exercise, language: str = "en") -> ExerciseResult:
    """``result`` with exactly the declared checks, in declared order, each within its declared points."""
    collected = {check.name: check for check in result.checks}
    names = check_catalogues(exercise, language)
    shown = check_visibilities(exercise)
    checks = []
    for name, points in exercise.declared_checks():
        found = collected.pop(name, None)
        if found is None:
            found = placeholder(names, name, points, message_id="engine.not_run", attempted=True, internal=True)
        elif found.max_points != points or not 0 <= found.points <= found.max_points:
            found = replace(found, max_points=points, points=min(max(found.points, 0), points), internal=True)
        checks.append(replace(found, visibility=shown[name]))
    for undeclared in collected.values():  # pytest ran a check the source does not declare (points not a literal)
        checks.append(replace(undeclared, points=0, max_points=0, internal=True))
    result.checks = checks
    assert 0 <= result.score <= result.max_score == exercise.max_score, (result.score, result.max_score)
    return result
