"""What the LMS gradebook writers (``canvas``, ``moodle``) share: the roster and the points to report.

A :class:`Roster` maps each learner's folder (or GitHub user name) to the identifiers an LMS knows
them by (Canvas's student name, ID, SIS ids and section; Moodle's email, idnumber or username). It is
read by :mod:`grader.batch.roster` and given to the writers through ``WriteContext.roster``.

A late penalty (``grade batch --due ... --late-penalty``) is applied here, in the gradebook only: the
batch records each learner's penalty in ``results.json``'s provenance (``deadline.learners[id].penalty_percent``)
next to their raw score, which stays as graded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.results import ClassResult, LearnerResult

#: A roster column's name -> the field it fills (names lower-cased, spaces and hyphens read as ``_``).
#: Canvas's own export headers are accepted as they are, so a roster can be cut from a Canvas export.
ALIASES = {
    "learner": "learner",
    "folder": "learner",
    "github": "learner",
    "github_username": "learner",
    "login": "learner",
    "student": "name",
    "student_name": "name",
    "name": "name",
    "id": "canvas_id",
    "canvas_id": "canvas_id",
    "student_id": "canvas_id",
    "sis_user_id": "sis_user_id",
    "sis_login_id": "sis_login_id",
    "section": "section",
    "email": "email",
    "email_address": "email",
    "idnumber": "idnumber",
    "id_number": "idnumber",
    "username": "username",
}
#: Moodle's user fields a grade import maps an identifier column to, in the order one is chosen.
MOODLE_FIELDS = ("email", "idnumber", "username")
#: Canvas identifies a student by any one of these (the others may stay empty).
CANVAS_IDS = ("name", "canvas_id", "sis_user_id")


@dataclass(frozen=True)
class RosterEntry:
    """One roster row: the learner's folder or GitHub user name and their LMS identifiers."""

    learner: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass(frozen=True)
class Roster:
    """The roster's rows in file order, and which fields its columns filled."""

    entries: list[RosterEntry] = field(default_factory=list)
    columns: tuple[str, ...] = ()

    def moodle_field(self) -> str:
        """The user field Moodle maps the identifier column to (the first of :data:`MOODLE_FIELDS` present)."""
        return next((name for name in MOODLE_FIELDS if name in self.columns), "")


@dataclass(frozen=True)
class Match:
    """The roster set against the class: pairs in roster order, and who is on one side only."""

    pairs: list[tuple[RosterEntry, LearnerResult | None]]
    not_in_roster: list[str]
    no_folder: list[str]


def match(roster: Roster, graded: ClassResult) -> Match:
    """Each roster row with its learner's result. A folder matches its roster name exactly, else ignoring
    case (GitHub user names are case-insensitive). Nobody is dropped: a learner of the class with no row
    is in ``not_in_roster``, a row with no folder in ``no_folder`` (its pair's result is ``None``)."""
    exact = {learner.learner: learner for learner in graded.learners}
    folded: dict[str, list[LearnerResult]] = {}
    for learner in graded.learners:
        folded.setdefault(learner.learner.casefold(), []).append(learner)
    used: set[str] = set()
    pairs: list[tuple[RosterEntry, LearnerResult | None]] = []
    for entry in roster.entries:
        found = exact.get(entry.learner)
        if found is None:
            candidates = [c for c in folded.get(entry.learner.casefold(), []) if c.learner not in used]
            found = candidates[0] if len(candidates) == 1 else None
        if found is not None and found.learner in used:
            found = None  # two rows for one learner: the second is reported as having no folder
        if found is not None:
            used.add(found.learner)
        pairs.append((entry, found))
    return Match(
        pairs=pairs,
        not_in_roster=[learner.learner for learner in graded.learners if learner.learner not in used],
        no_folder=[entry.learner for entry, found in pairs if found is None],
    )


def penalty_percent(graded: ClassResult, learner: str) -> float:
    """The late penalty (0-100) the batch recorded for ``learner`` (0 without ``--due``)."""
    deadline = graded.provenance.get("deadline") or {}
    try:
        value = float(((deadline.get("learners") or {}).get(learner) or {}).get("penalty_percent", 0) or 0)
    except (TypeError, ValueError, AttributeError):
        return 0.0
    return min(100.0, max(0.0, value))


def exercise_points(graded: ClassResult, learner: LearnerResult | None) -> list[object]:
    """The learner's points per exercise of the class, after any late penalty ("" if never graded or no
    learner): what goes into the LMS, which reads an empty cell as "no grade", never as 0."""
    if learner is None:
        return ["" for _ in graded.exercises]
    results = {result.exercise: result for result in learner.run.exercises}
    keep = 1.0 - penalty_percent(graded, learner.learner) / 100.0
    points: list[object] = []
    for exercise in graded.exercises:
        result = results.get(exercise)
        if result is None or result.internal_error:
            points.append("")
            continue
        value = round(result.score * keep, 2)
        points.append(int(value) if value == int(value) else value)
    return points


def column_title(exercise: str) -> str:
    """The LMS column of an exercise (an assignment Canvas creates, a grade item Moodle maps)."""
    return f"kerasdrill {exercise}"
