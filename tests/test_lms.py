"""LMS gradebook imports: ``grade batch --format canvas / moodle --roster roster.csv``.

What the files are tested against (the import formats as documented):

* Canvas (Gradebook import, the layout of Canvas's own Gradebook export): the columns ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment, and a ``Points Possible``
  row under the header. "The CSV file you import ... has four required components: Student Name OR Student
  ID OR Student SIS User ID ... SIS Login ID ... Section ... Assignment Name", and "New assignment columns
  in the Gradebook generate new assignments" (Ohio State, "Import a CSV File to Carmen Grades",
  teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades;
  VCU "Gradebook Action Menu", ts.vcu.edu, on the export's read-only columns).
* Moodle (grade/import/csv, ``gradeimport_csv_load_data::map_user_data_with_value``): one column is mapped
  to a user field, ``userid`` / ``useridnumber`` (idnumber) / ``useremail`` (email) / ``username``; every
  other column is mapped to a grade item or ignored; a row with a blank user field is skipped, a value that
  matches no user stops the import ("user mapping error") — hence no points-possible row in Moodle's file.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.batch.roster import MAX_BYTES, RosterError, read_roster, reconcile
from grader.outputs import CLASS_WRITERS, WRITERS, WriteContext
from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult


def _learner(name: str, points: dict[str, tuple[int, int]], note: str = "") -> LearnerResult:
    exercises = [
        ExerciseResult(
            e, e, e, submission=f"{e}.py", checks=[CheckResult("c", "c", "passed" if p == m else "failed", p, m)]
        )
        for e, (p, m) in points.items()
    ]
    return LearnerResult(name, RunResult(exercises), note=note)


def _class(provenance: dict | None = None) -> ClassResult:
    return ClassResult(
        learners=[
            _learner("alice", {"exercise-04": (16, 16), "exercise-05": (20, 24)}),
            _learner("Bob", {"exercise-04": (8, 16), "exercise-05": (24, 24)}),
            _learner("zed", {"exercise-04": (0, 16), "exercise-05": (0, 24)}),
        ],
        exercises=["exercise-04", "exercise-05"],
        max_points={"exercise-04": 16, "exercise-05": 24},
        provenance=provenance or {},
    )


def _roster(tmp_path: Path, text: str, formats=("canvas", "moodle")):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return read_roster(path, formats)


ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,email,github\n"
    '"Kim, Alice",101,S1,alice@u.kr,A,alice@u.kr,alice\n'
    '"Lee, Bob",102,S2,bob@u.kr,A,bob@u.kr,bob\n'
    '"Park, Carol",103,S3,carol@u.kr,B,carol@u.kr,carol\n'
)


def _rows(text: str) -> list[list[str]]:
    # Like every CSV kerasdrill writes, the LMS files start with a UTF-8 BOM (Excel on Korean Windows
    # needs it; Canvas accepts it, its own exports can carry one; Moodle's CSV reader strips it).
    assert text.startswith("\ufeff"), text[:40]
    return list(csv.reader(io.StringIO(text[1:])))


def test_canvas_has_its_identifier_columns_a_points_possible_row_and_a_column_per_exercise(tmp_path):
    roster = _roster(tmp_path, ROSTER)
    text = CLASS_WRITERS["canvas"].render_class(_class(), WriteContext(roster=roster))
    rows = _rows(text)
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "kerasdrill exercise-04",
        "kerasdrill exercise-05",
    ]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["16", "24"]
    assert rows[2] == ["Kim, Alice", "101", "S1", "alice@u.kr", "A", "16", "20"]
    assert rows[3][:2] == ["Lee, Bob", "102"] and rows[3][5:] == ["8", "24"]  # 'bob' matched folder 'Bob'
    assert rows[4][:2] == ["Park, Carol", "103"] and rows[4][5:] == ["", ""]  # no folder: empty, never 0
    assert len(rows) == 5  # zed has no roster row: reported, not invented


def test_moodle_has_one_identifier_column_mapped_to_a_user_field_and_one_column_per_item(tmp_path):
    roster = _roster(tmp_path, ROSTER)
    rows = _rows(CLASS_WRITERS["moodle"].render_class(_class(), WriteContext(roster=roster)))
    assert rows[0] == ["email", "kerasdrill exercise-04", "kerasdrill exercise-05"]
    assert rows[1:] == [["alice@u.kr", "16", "20"], ["bob@u.kr", "8", "24"], ["carol@u.kr", "", ""]]
    only_idnumber = _roster(tmp_path, "learner,idnumber\nalice,2026001\n", ("moodle",))
    rows = _rows(CLASS_WRITERS["moodle"].render_class(_class(), WriteContext(roster=only_idnumber)))
    assert rows == [["idnumber", "kerasdrill exercise-04", "kerasdrill exercise-05"], ["2026001", "16", "20"]]


def test_nobody_is_dropped_silently(tmp_path):
    roster = _roster(tmp_path, ROSTER)
    graded, notes = reconcile(_class(), roster)
    assert notes == [
        "in the class but not in the roster (no LMS row): zed",
        "in the roster but no learner folder (empty LMS cells): carol",
    ]
    assert graded.provenance["roster"] == {"rows": 3, "not_in_roster": ["zed"], "no_folder": ["carol"]}
    assert "not in the roster" in next(x for x in graded.learners if x.learner == "zed").note
    again, _ = reconcile(graded, roster)  # --resume reads the note back: not doubled
    assert next(x for x in again.learners if x.learner == "zed").note == "not in the roster: no LMS row"


def test_a_late_penalty_lowers_the_lms_points_and_leaves_the_raw_score(tmp_path):
    roster = _roster(tmp_path, ROSTER)
    graded = _class({"deadline": {"learners": {"alice": {"penalty_percent": 25}}}})
    rows = _rows(CLASS_WRITERS["canvas"].render_class(graded, WriteContext(roster=roster)))
    assert rows[2][5:] == ["12", "15"]
    assert graded.learners[0].run.score == 36


def test_lms_formats_are_batch_only():
    assert "canvas" in CLASS_WRITERS and "moodle" in CLASS_WRITERS
    assert "canvas" not in WRITERS and "moodle" not in WRITERS


@pytest.mark.parametrize(
    ("text", "formats", "says"),
    [
        ("name,email\nA,a@u\n", (), "no learner column"),
        ("learner,email\nalice,a@u\n", ("canvas",), "Canvas needs"),
        ("learner,Student\nalice,A\n", ("moodle",), "Moodle needs"),
        ("learner,email\n,a@u\n", (), "row 2 names no learner"),
        ("learner,email\nalice," + "x" * 300 + "\n", (), "longer than"),
        ('learner\n"alice\n', (), "not a CSV"),
    ],
)
def test_a_roster_that_cannot_be_used_is_refused(tmp_path, text, formats, says):
    with pytest.raises(RosterError, match=says):
        _roster(tmp_path, text, formats)


def test_a_huge_or_binary_roster_is_refused_before_it_is_parsed(tmp_path):
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:
        handle.write(b"learner\n" + b"a\n" * (MAX_BYTES // 2 + 1))
    with pytest.raises(RosterError, match="larger than"):
        read_roster(huge)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"learner\n\xff\xfe\x00")
    with pytest.raises(RosterError, match="UTF-8"):
        read_roster(binary)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "\x00" not in s))
def test_a_roster_or_learner_string_is_never_a_formula_or_a_control_character(tmp_path_factory, value):
    tmp_path = tmp_path_factory.mktemp("r")
    path = tmp_path / "roster.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["learner", "Student", "email"], [value, value, value]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        roster = read_roster(path, ("canvas", "moodle"))
    except RosterError:
        return  # e.g. a value csv reads as more than one cell: refused as a whole, never half-used
    graded = ClassResult(
        learners=[_learner(value.strip(), {"exercise-04": (1, 16)})],
        exercises=["exercise-04"],
        max_points={"exercise-04": 16},
    )
    for name in ("canvas", "moodle"):
        for row in _rows(CLASS_WRITERS[name].render_class(graded, WriteContext(roster=roster))):
            for cell in row:
                assert not cell.lstrip().startswith(("=", "+", "-", "@")), (name, cell)
                assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cell), (name, cell)


def test_grade_batch_refuses_an_lms_format_without_a_roster(tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(tmp_path / "class"),
            "--format",
            "canvas",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2 and "needs --roster" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_grade_merge_writes_the_lms_files_of_a_sharded_class(tmp_path):
    import json

    whole = _class()
    names = [learner.learner for learner in whole.learners]
    parts = []
    for k in (1, 2):
        part = ClassResult(
            learners=whole.learners[k - 1 :: 2],
            exercises=whole.exercises,
            max_points=whole.max_points,
            provenance={"class": {"learners": names, "shard": [k, 2]}},
        )
        (tmp_path / f"p{k}").mkdir()
        (tmp_path / f"p{k}" / "results.json").write_text(json.dumps(part.to_dict()), encoding="utf-8")
        parts.append(str(tmp_path / f"p{k}"))
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    merge = [sys.executable, "-m", "grader", "merge", *parts, "--out", str(tmp_path / "m"), "--format", "canvas"]
    refused = subprocess.run(merge, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "needs --roster" in refused.stderr
    done = subprocess.run(
        [*merge, "--roster", str(tmp_path / "roster.csv")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = _rows((tmp_path / "m" / "canvas.csv").read_text(encoding="utf-8"))
    assert [row[0] for row in rows[2:]] == ["Kim, Alice", "Lee, Bob", "Park, Carol"]
    assert rows[3][5:] == ["8", "24"] and "not in the roster (no LMS row): zed" in done.stderr
