"""The instructor tools together, on the made-up class of ``examples/class_report/make_class.py --due``.

Eight learners, each a git clone with a history around the deadline (learner 04 fixes their work 30 hours
late, learner 06 commits only 2 days late), learners 03 and 08 near-copies of a rare implementation, one
hostile folder name, a roster that misses learner-02 and lists a "ghost" with no folder. Graded twice
through the real command: on time only (``--due``), then with ``--late-penalty 10%/day,max50%``,
``--roster``, ``--format canvas --format moodle`` and ``--compare`` the first; then ``grade report``
compares the two and draws the page with the similar pair.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "class_report"))
from make_class import make_instructor_class, write_roster  # noqa: E402

pytestmark = pytest.mark.slow  # grades a whole class once for the module: not in the quick run

DUE = "2026-12-01T23:59+09:00"
HOSTILE = 'mallory"><img src=x onerror=alert(1)>'


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_mode}:{stat.st_mtime_ns}".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _head(folder: Path, rev: str = "HEAD") -> str:
    return subprocess.run(
        ["git", "rev-parse", rev], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor")
    names = make_instructor_class(root / "class", datetime.fromisoformat(DUE), learners=8, seed=1)
    write_roster(root / "roster.csv", names)
    before = _digest(root / "class")
    common = ("batch", "class", "-e", "04", "-e", "05", "--due", DUE, "--similarity", "-j", "2", "--timeout", "2")
    on_time = grade(*common, "--format", "json", "--out", "on-time", cwd=root)
    assert on_time.returncode == 0, on_time.stderr
    late = grade(
        *common,
        "--late-penalty",
        "10%/day,max50%",
        "--roster",
        "roster.csv",
        "--format",
        "canvas",
        "--format",
        "moodle",
        "--format",
        "json",
        "--format",
        "gradebook",
        "--compare",
        "on-time",
        "--out",
        "late",
        cwd=root,
    )
    assert late.returncode == 0, late.stderr
    return {
        "root": root,
        "names": names,
        "before": before,
        "on_time": on_time,
        "late": late,
        "a": json.loads((root / "on-time" / "results.json").read_text(encoding="utf-8")),
        "b": json.loads((root / "late" / "results.json").read_text(encoding="utf-8")),
    }


def _learner(data: dict, name: str) -> dict:
    return next(learner for learner in data["learners"] if learner["learner"] == name)


def test_the_learners_clones_are_unchanged(run):
    assert _digest(run["root"] / "class") == run["before"]


def test_the_commit_at_the_deadline_is_graded_and_recorded(run):
    chosen = run["a"]["provenance"]["deadline"]["learners"]
    clone = run["root"] / "class"
    assert chosen["learner-01"]["commit"] == _head(clone / "learner-01") and chosen["learner-01"]["late_by_s"] == 0
    assert chosen["learner-04"]["commit"] == _head(clone / "learner-04", "HEAD~1")  # not the late fix
    assert chosen["learner-04"]["later_commits"] == 1 and chosen["learner-04"]["latest_late_by_s"] == 30 * 3600
    assert (
        chosen["learner-06"]["commit"] == "" and "no commit at or before the deadline" in chosen["learner-06"]["notes"]
    )
    assert _learner(run["a"], "learner-06")["score"] == 0
    assert "no commit at or before the deadline" in run["on_time"].stderr


def test_with_a_late_penalty_the_newest_commit_is_graded_and_the_raw_score_kept(run):
    chosen = run["b"]["provenance"]["deadline"]
    assert chosen["late_penalty"] == "10%/day,max50%"
    four, six = chosen["learners"]["learner-04"], chosen["learners"]["learner-06"]
    assert four["commit"] == _head(run["root"] / "class" / "learner-04") and four["penalty_percent"] == 20
    assert six["late_by_s"] == 2 * 86400 and six["penalty_percent"] == 20
    assert _learner(run["b"], "learner-04")["score"] == 40  # the reference, raw in results.json


def test_the_lms_files_have_their_columns_the_penalties_and_everyone(run):
    canvas = list(csv.reader(io.StringIO((run["root"] / "late" / "canvas.csv").read_text(encoding="utf-8-sig"))))
    assert canvas[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "kerasdrill exercise-04",
        "kerasdrill exercise-05",
    ]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5:] == ["16", "24"]
    rows = {row[3]: row for row in canvas[2:]}
    assert rows["l04"][5:] == ["12.8", "19.2"]  # 16 and 24, less 20 %
    assert rows["ghost"][5:] == ["", ""]
    assert "l02" not in rows and len(rows) == 8  # seven learners in the roster + the ghost
    moodle = list(csv.reader(io.StringIO((run["root"] / "late" / "moodle.csv").read_text(encoding="utf-8-sig"))))
    assert moodle[0] == ["email", "kerasdrill exercise-04", "kerasdrill exercise-05"]
    assert {row[0] for row in moodle[1:]} == {f"l{n:02d}@uni.example" for n in (1, 3, 4, 5, 6, 7, 8)} | {
        "ghost@uni.example"
    }
    assert "not in the roster (no LMS row): learner-02" in run["late"].stderr
    assert "no learner folder (empty LMS cells): ghost" in run["late"].stderr
    gradebook = (run["root"] / "late" / "gradebook.csv").read_text(encoding="utf-8")
    assert "not in the roster" in gradebook and "-20% in the LMS files" in gradebook


def test_compare_prints_the_changed_learners_and_report_explains_them(run):
    assert "Changed since on-time:" in run["late"].stderr
    assert "learner-06: 0/40 ->" in run["late"].stderr
    report = grade("report", "on-time", "late", cwd=run["root"])
    assert report.returncode == 0, report.stderr
    line = next(line for line in report.stdout.splitlines() if line.startswith("learner-04:"))
    assert "another commit at the deadline" in report.stdout and "file changed" in line
    why = " ".join(report.stdout.split("\n\n")[0].split())  # the heading paragraph, unwrapped
    assert f"--due {DUE[:16]}:00+09:00 -> {DUE[:16]}:00+09:00 --late-penalty 10%/day,max50%" in why


def test_the_report_shows_the_similar_pair_side_by_side_and_never_learner_markup(run):
    pairs = run["b"]["provenance"]["similarity"]["exercises"]["exercise-05"]
    assert (pairs[0]["a"], pairs[0]["b"]) == ("learner-03", "learner-08") and pairs[0]["score"] >= 0.9
    text = grade("report", "late", cwd=run["root"])
    assert "learner-03 and learner-08" in text.stdout and "never proof" in text.stdout
    page = grade("report", "late", "--out", "report.html", cwd=run["root"])
    assert page.returncode == 0, page.stderr
    html = (run["root"] / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="similarity"') :]
    assert "never proof" in section and section.count('class="similar-pair"') == len(pairs)
    assert "while remaining" in section and "while left" in section
    assert "<img src=x" not in html
