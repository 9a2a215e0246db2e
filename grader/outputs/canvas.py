"""The ``canvas`` writer: ``canvas.csv``, for Canvas's Gradebook import (Grades > Import).

Canvas's own export/import layout: the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID`` and
``Section`` (Canvas finds a student by any one of name, ID or SIS User ID), one column per assignment, and
a ``Points Possible`` row under the header. Each exercise is one column (``kerasdrill exercise-05``; Canvas
offers to create an assignment for a column it does not know, or the instructor maps it to one). Rows come
from ``--roster`` (:mod:`grader.outputs.lms`), in roster order; a roster row with no learner folder has
empty cells (Canvas leaves an empty cell's grade unchanged). A late penalty is applied to the points.
"""

from __future__ import annotations

from typing import Any

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import CSV, sanitized
from grader.outputs.spreadsheet import to_csv
from grader.results import ClassResult

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
FIELDS = ("name", "canvas_id", "sis_user_id", "sis_login_id", "section")
POINTS_POSSIBLE = "    Points Possible"  # as Canvas's export writes it (the leading spaces are Canvas's)


def render_class(graded: ClassResult, context: WriteContext) -> str:
    from grader.outputs.lms import column_title, exercise_points, match  # only when an LMS file is written

    roster = _roster(context)
    rows: list[list[object]] = [[*HEADER, *(column_title(e) for e in graded.exercises)]]
    rows.append([POINTS_POSSIBLE, "", "", "", "", *(graded.max_points.get(e, "") for e in graded.exercises)])
    for entry, learner in match(sanitized(roster, CSV), graded).pairs:
        rows.append([*(entry.get(name) for name in FIELDS), *exercise_points(graded, learner)])
    return to_csv(rows)


def _roster(context: WriteContext) -> Any:
    from grader.outputs.lms import Roster

    if not isinstance(context.roster, Roster):
        raise ValueError("the canvas format needs --roster (the learners' Canvas identifiers)")
    return context.roster


WRITER = class_writer(
    "canvas",
    "canvas.csv for Canvas's Gradebook import (needs --roster)",
    render_class,
    "canvas.csv",
    CSV,
)
