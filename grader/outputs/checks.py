"""The ``checks`` writer: ``checks.csv``, one row per learner and check, for item analysis.

Columns: learner, exercise, check, status, points, max_points, message_id, title. The
message id names the diagnosis (e.g. ``exercise-05.valid_off_by_one``), so a spreadsheet's
pivot table shows which mistakes a class makes most.
"""

from __future__ import annotations

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import CSV
from grader.outputs.spreadsheet import exercise_results, to_csv
from grader.results import ClassResult

COLUMNS = ("learner", "exercise", "check", "status", "points", "max_points", "message_id", "title")


def render_class(graded: ClassResult, context: WriteContext) -> str:
    rows: list[list[object]] = [list(COLUMNS)]
    for learner in graded.learners:
        results = exercise_results(learner)
        for exercise in graded.exercises:
            for check in results[exercise].checks if exercise in results else []:
                rows.append(
                    [
                        learner.learner,
                        exercise,
                        check.name,
                        check.status,
                        check.points,
                        check.max_points,
                        check.message_id,
                        check.title,
                    ]
                )
    return to_csv(rows)


WRITER = class_writer("checks", "checks.csv, a row per learner and check", render_class, "checks.csv", CSV)
