"""A stored result in another language: titles, messages and hints rendered again from their ids.

Every check's message is kept as ``message_id`` + ``params`` (parameters that are themselves
messages are kept as references), so a result graded in English reads wholly in Korean, and back,
without grading again: ``grade merge``, a class report, or a Gradescope re-render in the reader's
language. A message that has no id (a fault of ours, kept as text) stays as it was.
"""

from __future__ import annotations

from dataclasses import replace

from grader.checking.declaration import check_catalogues
from grader.messages import Catalogue, catalogue_for
from grader.registry import UnknownExercise, find_exercise
from grader.results import CheckResult, ClassResult, ExerciseResult, RunResult


def localized(result: ExerciseResult, language: str) -> ExerciseResult:
    """``result`` with its exercise title and every check's title, message and hints in ``language``."""
    try:
        exercise = find_exercise(result.exercise)
    except UnknownExercise:  # a result of an exercise this kerasdrill does not have: left as it is
        return result
    names = check_catalogues(exercise, language)
    own = Catalogue(language, exercise.directory)
    checks = [_check(check, names.get(check.name), own) for check in result.checks]
    title = catalogue_for(exercise, language).title() or result.title
    return replace(result, title=title, checks=checks, language=language)


def localized_run(run: RunResult, language: str) -> RunResult:
    """Every exercise of ``run`` in ``language``."""
    return replace(run, exercises=[localized(result, language) for result in run.exercises])


def _check(check: CheckResult, entry: tuple[Catalogue, str] | None, fallback: Catalogue) -> CheckResult:
    catalogue, bare = entry if entry is not None else (fallback, check.name)
    message = catalogue.render_check_message(check.message_id, check.params) if check.message_id else check.message
    return replace(
        check,
        title=catalogue.check_title(bare),
        message=message,
        hints=catalogue.hints(bare) if check.hints else [],
    )


def localized_class(graded: ClassResult, language: str) -> ClassResult:
    """Every learner of a class in ``language`` (its provenance says so)."""
    learners = [replace(learner, run=localized_run(learner.run, language)) for learner in graded.learners]
    return replace(graded, learners=learners, provenance={**graded.provenance, "language": language})
