"""kerasdrill's grading library.

The ``grade`` command is a thin shell over this package; tools and tests call it
directly::

    from grader import grade_exercise, find_exercise, locate_submission
    exercise = find_exercise("05")
    result = grade_exercise(exercise, locate_submission(exercise, solutions=True))
    print(result.score, result.max_score)

Stages, one module each: :mod:`grader.registry` (which exercises exist),
:mod:`grader.submissions` (find and load a learner's file),
:mod:`grader.sandbox.client` / :mod:`grader.sandbox.worker` (run learner code in another
process), :mod:`grader.checking.plugin` (run the hidden pytest checks and collect
outcomes), :mod:`grader.results` (the result objects) and :mod:`grader.report`
(text and JSON writers). Check authors use :mod:`grader.checking`.

This module imports nothing heavy: the worker process imports ``grader`` too.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "grade_exercise": "grader.engine",
    "grade_exercises": "grader.engine",
    "GradeOptions": "grader.engine",
    "find_exercise": "grader.registry",
    "all_exercises": "grader.registry",
    "Exercise": "grader.registry",
    "locate_submission": "grader.submissions",
    "ExerciseResult": "grader.results",
    "CheckResult": "grader.results",
    "RunResult": "grader.results",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
