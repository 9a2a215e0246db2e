"""The ``gradebook`` writer: ``gradebook.csv``, one row per learner, a column per exercise.

The row right under the header holds each column's maximum (so a gradebook import reads the
points possible first; there is no totals row at the bottom to mistake for a learner). Then
one row per learner in learner order: points per exercise (empty if it was never graded), the
total, the percentage, and a note (no file, an empty folder, a fault of the grader).
"""

from __future__ import annotations

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import CSV
from grader.outputs.spreadsheet import exercise_results, learner_note, to_csv
from grader.results import ClassResult

MAX_ROW_LABEL = "(max points)"


def render_class(graded: ClassResult, context: WriteContext) -> str:
    rows: list[list[object]] = [["learner", *graded.exercises, "total", "percent", "note"]]
    rows.append([MAX_ROW_LABEL, *(graded.max_points[e] for e in graded.exercises), graded.max_score, 100, ""])
    for learner in graded.learners:
        results = exercise_results(learner)
        points = [results[e].score if e in results else "" for e in graded.exercises]
        total = sum(p for p in points if isinstance(p, int))
        percent = round(100.0 * total / graded.max_score, 1) if graded.max_score else 0.0
        rows.append([learner.learner, *points, total, percent, learner_note(learner, graded)])
    return to_csv(rows)


WRITER = class_writer(
    "gradebook", "gradebook.csv, a row per learner, a column per exercise", render_class, "gradebook.csv", CSV
)
