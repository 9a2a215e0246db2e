"""``grade batch --roster roster.csv``: who each learner is in the LMS, read as untrusted text.

The roster is a CSV file with a header: a ``learner`` column (also ``folder``, ``github`` or
``github_username``) naming the learner's folder or GitHub user name, and the LMS identifiers
(:data:`grader.outputs.lms.ALIASES`: Canvas's ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
``Section`` as its export writes them; Moodle's ``email``, ``idnumber`` or ``username``). The read is
bounded (size, rows, columns, cell length); a file that breaks a bound or has no learner column is a
:class:`RosterError` (a usage error), never a partial gradebook.

:func:`reconcile` sets the roster against the graded class: nobody is dropped silently. A learner of the
class with no roster row, and a roster row with no learner folder, are returned as notes (printed on
stderr by the batch, kept in ``results.json``'s provenance, and the learner's own row notes it).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace

from grader.messages import Localized
from grader.outputs.lms import ALIASES, CANVAS_IDS, Roster, RosterEntry, match
from grader.results import ClassResult

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CELL = 256
NOT_IN_ROSTER = "not in the roster: no LMS row"


class RosterError(Localized, ValueError):
    """The roster cannot be used (unreadable, too large, no learner column, a needed identifier missing)."""


def read_roster(path: str | os.PathLike, formats: tuple[str, ...] | list[str] = ()) -> Roster:
    """The roster at ``path``; ``formats`` (e.g. ``("canvas",)``) are checked to have the identifiers they need."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise RosterError("instructor.roster_unreadable", path=str(path), error=str(error.strerror or error)) from None
    if len(data) > MAX_BYTES:
        raise RosterError("instructor.roster_too_large", path=str(path), limit=MAX_BYTES // (1024 * 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError("instructor.roster_not_utf8", path=str(path)) from None
    try:
        rows = list(_rows(text))
    except csv.Error as error:
        raise RosterError("instructor.roster_not_csv", path=str(path), error=str(error)) from None
    if not rows:
        raise RosterError("instructor.roster_empty", path=str(path))
    header, body = rows[0], rows[1:]
    if len(header) > MAX_COLUMNS:
        raise RosterError("instructor.roster_columns", path=str(path), limit=MAX_COLUMNS)
    fields = [ALIASES.get(_key(name), "") for name in header]
    if "learner" not in fields:
        raise RosterError("instructor.roster_no_learner_column", path=str(path))
    entries = []
    for number, row in enumerate(body, start=2):
        values = {}
        for name, value in zip(fields, row):
            if name and name not in values:
                values[name] = value.strip()
        learner = values.pop("learner", "")
        if not learner and not any(values.values()):
            continue  # a blank line
        if not learner:
            raise RosterError("instructor.roster_row_without_learner", path=str(path), row=number)
        entries.append(RosterEntry(learner, values))
    roster = Roster(entries, tuple(dict.fromkeys(name for name in fields if name and name != "learner")))
    _check(roster, path, formats)
    return roster


def _rows(text: str):
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for number, row in enumerate(reader, start=1):
        if number > MAX_ROWS + 1:
            raise csv.Error(f"more than {MAX_ROWS} rows")
        if any(len(cell) > MAX_CELL for cell in row):
            raise csv.Error(f"row {number} has a cell longer than {MAX_CELL} characters")
        yield row[: MAX_COLUMNS + 1]


def _key(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def _check(roster: Roster, path: str | os.PathLike, formats) -> None:
    if "canvas" in formats and not any(name in roster.columns for name in CANVAS_IDS):
        raise RosterError("instructor.roster_canvas_ids", path=str(path))
    if "moodle" in formats and not roster.moodle_field():
        raise RosterError("instructor.roster_moodle_ids", path=str(path))


def reconcile(graded: ClassResult, roster: Roster) -> tuple[ClassResult, list[str]]:
    """``graded`` with each learner who has no roster row noted in their row and in the provenance
    (``roster.not_in_roster``, ``roster.no_folder``), and the notes to print."""
    found = match(roster, graded)
    missing = set(found.not_in_roster)
    learners = [
        replace(learner, note="; ".join(filter(None, [learner.note, NOT_IN_ROSTER])))
        if learner.learner in missing and NOT_IN_ROSTER not in learner.note  # --resume kept the note
        else learner
        for learner in graded.learners
    ]
    provenance = {
        **graded.provenance,
        "roster": {"rows": len(roster.entries), "not_in_roster": found.not_in_roster, "no_folder": found.no_folder},
    }
    notes = [f"in the class but not in the roster (no LMS row): {name}" for name in found.not_in_roster]
    notes += [f"in the roster but no learner folder (empty LMS cells): {name}" for name in found.no_folder]
    return replace(graded, learners=learners, provenance=provenance), notes
