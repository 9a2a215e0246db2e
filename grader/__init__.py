"""kerasdrill's grading library.

The ``grade`` command is a thin shell over this package; tools and tests call it
directly::

    from grader import grade_exercise, find_exercise, locate_submission
    exercise = find_exercise("05")
    result = grade_exercise(exercise, locate_submission(exercise, solutions=True))
    print(result.score, result.max_score)

The tree is the architecture (see ``grader/README.md``):

* the learner's side, :mod:`grader.sandbox`: the worker that runs learner code
  and everything that speaks to it (never computes a verdict);
* the grading side, :mod:`grader.checking`: the pytest plugin and runner, and the
  API hidden checks import (``from grader.checking import check, expect``);
* inputs, :mod:`grader.submissions` (locate a file, one loader per kind), and
  outputs, :mod:`grader.outputs` (one writer per format);
* between them :mod:`grader.registry` (exercises from roots), :mod:`grader.engine`
  (one submission through worker and checks), :mod:`grader.outcomes` and
  :mod:`grader.results` (what both sides and the writers share), and
  :mod:`grader.workflow` (locate, grade, write: what the CLI calls; the self-study front ends
  record progress through its ``on_graded``).

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
    "locate": "grader.submissions",
    "locate_all": "grader.submissions",
    "grade_and_report": "grader.workflow",
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
