"""CSV cells a spreadsheet opens safely, and the rows both CSV writers share.

A CSV file starts with a UTF-8 byte order mark: Excel opens a CSV without one in the system's
code page (cp949 on Korean Windows), so Hangul names and titles became mojibake. pandas, Python's
``csv`` with ``encoding="utf-8-sig"``, Canvas and Moodle (which strips it) read it as the UTF-8 it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from grader.messages import Catalogue, catalogue_for
from grader.outputs import sanitize
from grader.results import ClassResult, ExerciseResult, LearnerResult


def cell(value: object) -> object:
    """A number as it is; text without control characters, and never read as a formula
    (a learner's folder named ``=HYPERLINK(...)`` is shown, not run, by the instructor's spreadsheet)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return sanitize.csv(value)  # the cell as a whole: a note joins learner text to the grader's


BOM = "\ufeff"


def to_csv(rows: Iterable[Iterable[object]]) -> str:
    """``rows`` as CSV text, BOM first (see the module docstring), every cell through :func:`cell`."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def exercise_results(learner: LearnerResult) -> dict[str, ExerciseResult]:
    return {result.exercise: result for result in learner.run.exercises}


def learner_note(learner: LearnerResult, graded: ClassResult, catalogue: Catalogue | None = None) -> str:
    """Why a row is what it is: the folder's note, missing files, faults of the grader, not graded;
    in the catalogue's language (the folder's note is stored in English: its known parts are translated)."""
    say = (catalogue or catalogue_for(None)).render
    notes = [_folder_note(learner.note, say)] if learner.note else []
    if learner.error:
        error = learner.error.splitlines()[-1] if learner.error.strip() else ""
        notes.append(say("gradebook.grader_failed", error=error))
    results = exercise_results(learner)
    missing = [e for e in graded.exercises if e in results and not results[e].submission]
    if missing and len(missing) == len(graded.exercises) and not learner.note:
        notes.append(say("gradebook.no_exercise_file"))
    elif missing:
        notes.append(say("gradebook.no_file_for", exercises=", ".join(missing)))
    faults = [e for e in graded.exercises if e in results and results[e].internal_error]
    if faults:
        notes.append(say("gradebook.grader_fault_in", exercises=", ".join(faults)))
    ungraded = [e for e in graded.exercises if e not in results]
    if ungraded and not learner.error:
        notes.append(say("gradebook.not_graded", exercises=", ".join(ungraded)))
    return "; ".join(notes)


UNRECOGNISED = "files named like no exercise: "  # how grader/batch/pool.py words it in results.json


def _folder_note(note: str, say: Callable[..., str]) -> str:
    parts = []
    for part in note.split("; "):
        if part == "empty folder":
            part = say("gradebook.empty_folder")
        elif part.startswith(UNRECOGNISED):
            part = say("gradebook.unrecognised", files=part.removeprefix(UNRECOGNISED))
        parts.append(part)
    return "; ".join(parts)
