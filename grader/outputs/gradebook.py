"""The ``gradebook`` writer: ``gradebook.csv``, one row per learner, a column per exercise.

Every row under the header is a learner, in learner order: points per exercise (empty if it
was never graded), the total, the percentage, and a note (no file, an empty folder, a fault of
the grader). The points possible are in the header (``exercise-05 (24 pts)``, ``total (40 pts)``,
as Gradescope's own exports write them), not in a row: pandas, Moodle's and Canvas's imports read
every row under the header as a learner, so a "(max points)" row skewed a class mean and made
Moodle stop at an unknown user. "pts" and not a bare number: Canvas reads a header's trailing
"(12345)" as an assignment id. There is no totals row at the bottom either. The file starts with
a UTF-8 BOM (:func:`~grader.outputs.spreadsheet.to_csv`) so Excel shows Korean names.
"""

from __future__ import annotations

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import CSV
from grader.outputs.spreadsheet import exercise_results, learner_note, to_csv
from grader.results import ClassResult


def column(name: str, points: int) -> str:
    """A points column's header: its name and the points possible (``exercise-05 (24 pts)``)."""
    return f"{name} ({points} pts)"


def render_class(graded: ClassResult, context: WriteContext) -> str:
    exercises = [column(e, graded.max_points[e]) for e in graded.exercises]
    rows: list[list[object]] = [["learner", *exercises, column("total", graded.max_score), "percent", "note"]]
    for learner in graded.learners:
        results = exercise_results(learner)
        points = [results[e].score if e in results else "" for e in graded.exercises]
        total = sum(p for p in points if isinstance(p, int))
        percent = round(100.0 * total / graded.max_score, 1) if graded.max_score else 0.0
        rows.append([learner.learner, *points, total, percent, learner_note(learner, graded, context.catalogue)])
    return to_csv(rows)


WRITER = class_writer(
    "gradebook", "gradebook.csv, a row per learner, a column per exercise", render_class, "gradebook.csv", CSV
)
