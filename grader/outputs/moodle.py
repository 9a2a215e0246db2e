"""The ``moodle`` writer: ``moodle.csv``, for Moodle's grade import (Grades > Import > CSV file).

Moodle's CSV import maps one column to a user field (``Identify user by``: email, idnumber or username)
and each other column to a grade item. So: the roster's identifier column, named after the field it holds
(``email`` when the roster has one, else ``idnumber``, else ``username``), then one column per exercise
(``kerasdrill exercise-05``). No points-possible row: Moodle would read it as a user. Rows in roster order;
a roster row with no learner folder has empty cells (Moodle skips an empty grade). A late penalty is
applied to the points.
"""

from __future__ import annotations

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import CSV, sanitized
from grader.outputs.spreadsheet import to_csv
from grader.results import ClassResult


def render_class(graded: ClassResult, context: WriteContext) -> str:
    from grader.outputs.lms import Roster, column_title, exercise_points, match  # only when the file is written

    roster = context.roster
    if not isinstance(roster, Roster) or not roster.moodle_field():
        raise ValueError("the moodle format needs --roster with an email, idnumber or username column")
    identifier = roster.moodle_field()
    rows: list[list[object]] = [[identifier, *(column_title(e) for e in graded.exercises)]]
    for entry, learner in match(sanitized(roster, CSV), graded).pairs:
        rows.append([entry.get(identifier), *exercise_points(graded, learner)])
    return to_csv(rows)


WRITER = class_writer(
    "moodle",
    "moodle.csv for Moodle's grade import (needs --roster with email, idnumber or username)",
    render_class,
    "moodle.csv",
    CSV,
)
