"""`grade batch`: a class of learners graded in parallel, each row its own, in files CI tools read.

The class: a correct learner, a stub, an empty folder, a syntax error, a renamed file, a learner
whose function never returns, and a hostile learner who tries to read and overwrite a neighbour's
file, write into the outputs folder and reach a helper on 127.0.0.1. It is graded once through the
real command (two grading processes), and every output is parsed and checked against grading
each learner's files alone.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import solution_source, stub_source

from grader.batch.layout import find_learners
from grader.results import ClassResult

EXERCISES = ("exercise-04", "exercise-05")
FILES = {"exercise-04": "exercise_04_parameter_counts.py", "exercise-05": "exercise_05_cnn_shapes.py"}
MAX = {"exercise-04": 16, "exercise-05": 24}
BATCHNORM = '''def batchnorm_params(channels):
    """gamma and beta are trained; the moving mean and variance are not."""
    return (2 * channels, 2 * channels)'''


def _hostile(neighbour: Path, out: Path, port: int) -> str:
    """Exercise 04 whose batchnorm_params answers right only if every attack on the batch was refused."""
    body = f"""def batchnorm_params(channels):
    import socket
    reached = []
    try:
        open({str(neighbour)!r}).read()
        reached.append("read a neighbour's file")
    except OSError:
        pass
    try:
        with open({str(neighbour)!r}, "a") as handle:
            handle.write("\\nraise SystemExit('sabotaged')\\n")
        reached.append("wrote a neighbour's file")
    except OSError:
        pass
    try:
        open({str(out / "planted.csv")!r}, "w").write("forged")
        reached.append("wrote into the outputs")
    except OSError:
        pass
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        reached.append("reached the network")
    except OSError:
        pass
    return (2 * channels, 2 * channels) if not reached else "; ".join(reached)"""
    source = solution_source("exercise-04")
    assert BATCHNORM in source
    return source.replace(BATCHNORM, body)


def _class(root: Path, out: Path, port: int) -> Path:
    """The class folder described in the module docstring; returns it."""
    folder = root / "class"
    learners = {
        "alice": {"exercise-04": solution_source("exercise-04"), "exercise-05": solution_source("exercise-05")},
        "bob": {"exercise-05": stub_source("exercise-05")},
        "carol": {},
        "dave": {"exercise-05": "def conv_output_size(:\n"},
        "frank": {
            "exercise-04": solution_source("exercise-04").replace(
                BATCHNORM, "def batchnorm_params(channels):\n    while True:\n        pass"
            )
        },
    }
    for learner, files in learners.items():
        (folder / learner).mkdir(parents=True)
        for exercise, source in files.items():
            (folder / learner / FILES[exercise]).write_text(source, encoding="utf-8")
    renamed = folder / "erin" / "exercises"
    renamed.mkdir(parents=True)
    (renamed / "exercise_05 (1).py").write_text(solution_source("exercise-05"), encoding="utf-8")
    (renamed / FILES["exercise-04"]).write_text(solution_source("exercise-04"), encoding="utf-8")
    (folder / "zoe").mkdir()
    (folder / "zoe" / FILES["exercise-04"]).write_text(
        _hostile(folder / "alice" / FILES["exercise-05"], out, port), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def listener():
    """A helper on 127.0.0.1 that a learner must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    threading.Thread(target=lambda: [server.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _batch(class_dir: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(class_dir), "--out", str(out), "--timeout", "2", *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    root = tmp_path_factory.mktemp("batch")
    out = root / "grades"
    class_dir = _class(root, out, listener)
    before = {p: p.read_bytes() for p in class_dir.rglob("*") if p.is_file()}
    completed = _batch(class_dir, out, "--workers", "2")
    return {"root": root, "class": class_dir, "out": out, "completed": completed, "before": before}


def _rows(path: Path) -> list[dict]:
    """A CSV as dicts; a gradebook's points columns by exercise id ("exercise-05 (24 pts)" -> "exercise-05")."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return [{re.sub(r" \(\d+ pts\)$", "", key): value for key, value in row.items()} for row in rows]


def _alone(path: Path, exercise: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "grader", exercise, "--submission", str(path), "--format", "json", "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(completed.stdout)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_the_batch_runs_to_the_end_and_exits_0(graded):
    completed = graded["completed"]
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = [line for line in completed.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 7 and sorted(line.split("] ")[1].split(":")[0] for line in lines) == sorted(
        ["alice", "bob", "carol", "dave", "erin", "frank", "zoe"]
    ), completed.stderr


def test_the_gradebook_has_the_max_points_in_its_header_then_one_row_per_learner_in_order(graded):
    header = next(csv.reader(io.StringIO((graded["out"] / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert header == ["learner", *(f"{e} ({MAX[e]} pts)" for e in EXERCISES), "total (40 pts)", "percent", "note"]
    rows = _rows(graded["out"] / "gradebook.csv")
    assert [row["learner"] for row in rows] == ["alice", "bob", "carol", "dave", "erin", "frank", "zoe"]
    by = {row["learner"]: row for row in rows}
    assert (by["alice"]["exercise-04"], by["alice"]["exercise-05"], by["alice"]["total"]) == ("16", "24", "40")
    assert by["bob"]["total"] == "0" and "no file for exercise-04" in by["bob"]["note"]
    assert by["carol"]["total"] == "0" and "empty folder" in by["carol"]["note"]
    assert by["dave"]["exercise-05"] == "0"
    assert by["erin"]["exercise-04"] == "16" and "exercise_05 (1).py" in by["erin"]["note"]
    assert by["frank"]["exercise-04"] == "14"  # the looping function's 2 points, nothing else
    assert by["zoe"]["exercise-04"] == "16", "a refused attack costs nothing; a reached one would show"


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_every_row_equals_grading_that_learner_alone(graded):
    rows = {(r["learner"], r["exercise"], r["check"]): r for r in _rows(graded["out"] / "checks.csv")}
    for learner in ("alice", "dave", "frank", "zoe"):
        for exercise in EXERCISES:
            path = graded["class"] / learner / FILES[exercise]
            if not path.exists():
                continue
            alone = _alone(path, exercise)
            for check in alone["checks"]:
                row = rows[(learner, exercise, check["name"])]
                assert (row["status"], int(row["points"]), row["message_id"]) == (
                    check["status"],
                    check["points"],
                    check["message_id"],
                ), (learner, exercise, check["name"])


def test_checks_csv_has_every_declared_check_of_every_learner(graded):
    rows = _rows(graded["out"] / "checks.csv")
    assert list(rows[0]) == ["learner", "exercise", "check", "status", "points", "max_points", "message_id", "title"]
    for learner in ("alice", "bob", "carol", "dave", "erin", "frank", "zoe"):
        for exercise in EXERCISES:
            mine = [r for r in rows if r["learner"] == learner and r["exercise"] == exercise]
            assert sum(int(r["max_points"]) for r in mine) == MAX[exercise], (learner, exercise)
    timed_out = [r for r in rows if r["learner"] == "frank" and r["check"] == "batchnorm"]
    assert timed_out[0]["status"] == "timeout"


def test_results_json_reads_back_with_its_provenance(graded):
    data = json.loads((graded["out"] / "results.json").read_text(encoding="utf-8"))
    stored = ClassResult.from_dict(data)
    assert stored.complete and stored.exercises == list(EXERCISES) and stored.max_score == 40
    assert [learner.learner for learner in stored.learners] == ["alice", "bob", "carol", "dave", "erin", "frank", "zoe"]
    provenance = data["provenance"]
    assert provenance["seed"] == 0 and set(provenance["exercise_versions"]) == set(EXERCISES)
    assert {"python", "tensorflow", "keras", "numpy"} <= set(provenance["versions"])
    alice = stored.learners[0]
    import hashlib

    expected = hashlib.sha256((graded["class"] / "alice" / FILES["exercise-05"]).read_bytes()).hexdigest()
    assert alice.files["exercise-05"] == expected and stored.learners[2].files["exercise-05"] == ""


def test_no_learner_touched_another_learners_files_or_the_outputs(graded):
    after = {p: p.read_bytes() for p in graded["class"].rglob("*") if p.is_file()}
    assert after == graded["before"]
    assert sorted(p.name for p in graded["out"].iterdir()) == [
        "checks.csv",
        "gradebook.csv",
        "junit.xml",
        "results.json",
    ]


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_the_same_class_graded_twice_gives_byte_identical_spreadsheets(graded):
    again = graded["root"] / "again"
    completed = _batch(graded["class"], again, "--workers", "1")
    assert completed.returncode == 0, completed.stderr[-2000:]
    for name in ("gradebook.csv", "checks.csv"):
        assert (again / name).read_bytes() == (graded["out"] / name).read_bytes(), name


def _merge(out: Path, *parts: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "grader", "merge", *map(str, parts), "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def shards(graded):
    """The class graded again in three shards, one grading process each."""
    parts = []
    for k in (1, 2, 3):
        part = graded["root"] / f"shard-{k}"
        completed = _batch(graded["class"], part, "--workers", "1", "--shard", f"{k}/3")
        assert completed.returncode == 0, completed.stderr[-2000:]
        parts.append(part)
    return parts


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_three_shards_merged_give_byte_identical_gradebooks_to_one_batch(graded, shards):
    everyone = [row["learner"] for row in _rows(graded["out"] / "gradebook.csv")]
    for k, part in enumerate(shards, start=1):  # every third learner in sorted order, from the k-th
        assert [row["learner"] for row in _rows(part / "gradebook.csv")] == everyone[k - 1 :: 3]
    merged = graded["root"] / "merged"
    completed = _merge(merged, *shards)
    assert completed.returncode == 0, completed.stderr[-2000:]
    for name in ("gradebook.csv", "checks.csv"):
        assert (merged / name).read_bytes() == (graded["out"] / name).read_bytes(), name
    back = ClassResult.from_dict(json.loads((merged / "results.json").read_text(encoding="utf-8")))
    assert [learner.learner for learner in back.learners] == everyone and back.complete


def test_a_merge_missing_a_shard_is_written_marked_incomplete_and_exits_1(graded, shards):
    merged = graded["root"] / "merged-two"
    completed = _merge(merged, shards[0], shards[2])
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert "missing shard(s): 2/3" in completed.stderr
    assert json.loads((merged / "results.json").read_text(encoding="utf-8"))["complete"] is False


def test_parts_that_do_not_belong_together_are_refused_and_nothing_is_written(graded, shards):
    other_seed = graded["root"] / "shard-3-seed-1"
    other_seed.mkdir()
    data = json.loads((shards[2] / "results.json").read_text(encoding="utf-8"))
    data["provenance"]["seed"] = 1
    (other_seed / "results.json").write_text(json.dumps(data), encoding="utf-8")
    for parts, reason in (((shards[0], shards[1], other_seed), "differ in seed"), ((shards[0], shards[0]), "both")):
        merged = graded["root"] / "merged-refused"
        completed = _merge(merged, *parts)
        assert completed.returncode == 2, completed.stderr[-2000:]
        assert reason in completed.stderr and not merged.exists()


def test_a_shard_that_is_not_k_of_n_is_a_usage_error(graded):
    completed = _batch(graded["class"], graded["root"] / "bad-shard", "--shard", "4/3")
    assert completed.returncode == 2 and "K must be between 1 and N" in completed.stderr


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_fail_under_makes_the_batch_exit_1(graded):
    out = graded["root"] / "fail-under"
    completed = _batch(graded["class"], out, "--exercise", "exercise-04", "--fail-under", "50", "--format", "gradebook")
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert [p.name for p in out.iterdir()] == ["gradebook.csv"]
    assert list(_rows(out / "gradebook.csv")[0]) == ["learner", "exercise-04", "total", "percent", "note"]


@pytest.mark.alone  # failed twice in full parallel runs (all 12 graded, exit 0); not reproduced alone
def test_ctrl_c_keeps_what_was_graded_and_marks_it_incomplete(tmp_path):
    class_dir = tmp_path / "class"
    for index in range(12):
        (class_dir / f"learner{index:02d}").mkdir(parents=True)
        # all but the first take 3 s to import: the Ctrl-C after the first result always finds some
        # learners not yet begun (a fast machine graded all twelve before the signal arrived)
        slow = "import time\ntime.sleep(3)\n" if index else ""
        (class_dir / f"learner{index:02d}" / FILES["exercise-05"]).write_text(
            slow + solution_source("exercise-05"), encoding="utf-8"
        )
    out = tmp_path / "grades"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(class_dir), "--out", str(out), "--workers", "1"],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's Ctrl-C finds it
    )
    first = process.stderr.readline()  # the first learner is done
    assert first.startswith("[ 1/12]"), first
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130, rest
    stored = ClassResult.from_dict(json.loads((out / "results.json").read_text(encoding="utf-8")))
    assert not stored.complete and 1 <= len(stored.learners) < 12
    assert all(learner.run.score == 24 for learner in stored.learners)
    rows = _rows(out / "gradebook.csv")
    assert len(rows) == len(stored.learners)


def test_learner_folders_in_every_layout(tmp_path):
    (tmp_path / "plain" / "ann").mkdir(parents=True)
    (tmp_path / "plain" / ".git").mkdir()
    (tmp_path / "plain" / "_shared").mkdir()
    (tmp_path / "plain" / "hw1-submissions" / "hw1-ben").mkdir(parents=True)
    (tmp_path / "plain" / "hw1-submissions" / "hw1-cho").mkdir(parents=True)
    (tmp_path / "plain" / "hw2-submissions" / "hw2-ben").mkdir(parents=True)
    (tmp_path / "plain" / "grades").mkdir()
    found = find_learners(tmp_path / "plain", skip=(tmp_path / "plain" / "grades",))
    assert [(f.learner, f.folder.name) for f in found] == [
        ("ann", "ann"),
        ("ben", "hw1-ben"),
        ("ben~2", "hw2-ben"),
        ("cho", "hw1-cho"),
    ]
    inside = find_learners(tmp_path / "plain" / "hw1-submissions")
    assert [f.learner for f in inside] == ["ben", "cho"]


def test_a_learner_id_is_never_a_spreadsheet_formula(tmp_path):
    from grader.outputs.spreadsheet import to_csv

    text = to_csv([['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "a\x1b[31mb", 5, -3, " =1", "\t=HYPERLINK(1)"]])
    assert text.startswith("\ufeff")  # the BOM Excel needs; a reader decoding utf-8-sig drops it
    assert next(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "a\\x1b[31mb",  # shown, not run and not hidden
        "5",
        "-3",
        "' =1",  # a formula after whitespace LibreOffice trims (OWASP): quoted too
        "\\t=HYPERLINK(1)",
    ]


def test_a_class_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path / "nope")], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2


def test_an_unknown_exercise_is_a_usage_error(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path), "--exercise", "exercise-99"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2 and "exercise-99" in completed.stderr


@pytest.fixture
def home_folder():
    """A folder outside the temp folders (a root worker's view hides those whole): where an
    instructor keeps a class. Removed afterwards."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kerasdrill-test-class-", dir=Path.home()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("mode", ["root layers", "ordinary user's layers"])
def test_a_hostile_learner_reaches_no_neighbour_no_output_and_no_network(home_folder, listener, mode):
    """zoe's check passes only if every attack was refused; alice's file must be unchanged."""
    if mode == "root layers" and os.geteuid() != 0:
        pytest.skip("root layers need root")
    out = home_folder / "grades"
    class_dir = home_folder / "class"
    (class_dir / "alice").mkdir(parents=True)
    alice = class_dir / "alice" / FILES["exercise-05"]
    alice.write_text(solution_source("exercise-05"), encoding="utf-8")
    (class_dir / "zoe").mkdir()
    (class_dir / "zoe" / FILES["exercise-04"]).write_text(_hostile(alice, out, listener), encoding="utf-8")
    env = dict(os.environ)
    if mode != "root layers":
        env["KERASDRILL_UNPRIVILEGED_SANDBOX"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "batch", "class", "--out", "grades", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=home_folder,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    zoe = {r["check"]: r for r in _rows(out / "checks.csv") if r["learner"] == "zoe"}
    assert zoe["batchnorm"]["status"] == "passed", zoe["batchnorm"]
    assert alice.read_text(encoding="utf-8") == solution_source("exercise-05")
    assert not (out / "planted.csv").exists()


def test_resume_grades_again_only_the_learners_whose_files_changed(graded, tmp_path):
    import shutil

    class_dir, out = tmp_path / "class", tmp_path / "grades"
    shutil.copytree(graded["class"], class_dir)
    shutil.copytree(graded["out"], out)
    (class_dir / "bob" / FILES["exercise-05"]).write_text(solution_source("exercise-05"), encoding="utf-8")
    before = ClassResult.from_dict(json.loads((out / "results.json").read_text(encoding="utf-8")))
    completed = _batch(class_dir, out, "--resume", "--workers", "1")
    assert completed.returncode == 0, completed.stderr[-2000:]
    after = ClassResult.from_dict(json.loads((out / "results.json").read_text(encoding="utf-8")))
    old = {learner.learner: learner for learner in before.learners}
    for learner in after.learners:
        if learner.learner == "bob":
            assert learner.run.score == 24 and learner.files != old["bob"].files
        else:  # kept as it was: the very same durations
            assert learner.to_dict() == old[learner.learner].to_dict(), learner.learner


def test_junit_xml_has_a_suite_per_learner_and_never_reports_a_missed_check_as_skipped(graded):
    import xml.etree.ElementTree as ET

    root = ET.parse(graded["out"] / "junit.xml").getroot()
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["alice", "bob", "carol", "dave", "erin", "frank", "zoe"]
    rows = _rows(graded["out"] / "checks.csv")
    for name, suite in suites.items():
        cases = suite.findall("testcase")
        mine = [r for r in rows if r["learner"] == name]
        assert int(suite.get("tests")) == len(cases) == len(mine)
        assert int(suite.get("skipped")) == 0 and not suite.findall("testcase/skipped")
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert properties["max_score"] == "40" and int(properties["score"]) == sum(int(r["points"]) for r in mine)
    bob = suites["bob"].findall("testcase/failure")
    assert bob and all(f.get("type") == "not attempted" and f.text for f in bob[:1])
    frank = {c.get("name"): c for c in suites["frank"].findall("testcase")}
    assert frank["exercise-04.batchnorm"].find("error").get("type") == "timeout"
    assert all(
        c.get("classname") in ("kerasdrill.frank.exercise-04", "kerasdrill.frank.exercise-05") for c in frank.values()
    )


def test_junit_text_holds_no_character_xml_cannot_hold():
    import xml.etree.ElementTree as ET

    from grader.outputs import WRITERS, WriteContext
    from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult

    check = CheckResult("c", "t", "failed", 0, 1, message="bad \x1b[31mred\x1b[0m \x00 value\nsecond line")
    run = RunResult(exercises=[ExerciseResult("exercise-05", "s", "t", "f.py", checks=[check])])
    graded = ClassResult(
        learners=[LearnerResult("eve\x1b]0;x\x07", run)], exercises=["exercise-05"], max_points={"exercise-05": 1}
    )
    text = WRITERS["junit"].render_class(graded, WriteContext())
    root = ET.fromstring(text.encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert "\x1b" not in text and "\x00" not in text
    assert failure.get("message") == "bad \\x1b[31mred\\x1b[0m \\x00 value" and failure.text.endswith("second line")
    assert root.find("testsuite").get("name") == "eve\\x1b]0;x\\x07"  # shown escaped, never dropped


def _sleepy_class(root: Path, names: list[str], sleepy: dict[str, float]) -> Path:
    """Learners with exercise 05's solution; those in ``sleepy`` sleep that long at import."""
    for name in names:
        (root / name).mkdir(parents=True)
        pause = f"import time\ntime.sleep({sleepy[name]})\n" if name in sleepy else ""
        (root / name / FILES["exercise-05"]).write_text(pause + solution_source("exercise-05"), encoding="utf-8")
    return root


def test_a_learner_whose_file_sleeps_at_import_holds_no_one_up(tmp_path):
    """One grading process: the learners after the sleeper are graded while it sleeps, and the
    results still come back in learner order."""
    from grader.batch.runner import grade_class
    from grader.registry import find_exercise

    names = ["a-sleeper", "b", "c", "d"]
    class_dir = _sleepy_class(tmp_path / "class", names, {"a-sleeper": 4})
    finished = []
    graded = grade_class(
        class_dir,
        [find_exercise("exercise-05")],
        workers=1,
        on_learner=lambda r, done, total: finished.append(r.learner),
    )
    assert finished[-1] == "a-sleeper", finished
    assert [learner.learner for learner in graded.learners] == names
    assert all(learner.run.score == 24 for learner in graded.learners)


def test_learners_held_by_a_grading_process_that_dies_are_graded_again_by_a_fresh_one(tmp_path):
    """The grading process is killed while it holds several learners (they sleep at import): each
    is graded by its successor, none is a fault row."""
    from grader.batch.runner import grade_class
    from grader.registry import find_exercise

    names = ["a", "b", "c", "d", "e"]
    class_dir = _sleepy_class(tmp_path / "class", names, {name: 1.5 for name in names[1:]})
    killed = []

    def kill_the_grading_process(result, done, total):
        if killed:
            return
        tasks = Path(f"/proc/{os.getpid()}/task").iterdir()  # a process started by a thread is that thread's child
        for pid in [pid for task in tasks for pid in (task / "children").read_text().split()]:
            if "batch.pool import serve" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                os.kill(int(pid), signal.SIGKILL)
                killed.append(pid)

    graded = grade_class(class_dir, [find_exercise("exercise-05")], workers=1, on_learner=kill_the_grading_process)
    assert killed, "no grading process was found to kill: the test proves nothing"
    assert [learner.learner for learner in graded.learners] == names
    assert [learner.run.score for learner in graded.learners] == [24] * 5, [
        (learner.learner, learner.error) for learner in graded.learners
    ]
    assert graded.complete and not any(learner.internal_error for learner in graded.learners)


HOSTILE_NAMES = ("a\n::error::pwned", "\x1b]52;c;cHduZWQ=\x07", '\t=HYPERLINK("http:evil")', "b\u202eexe.py")


def test_hostile_folder_names_are_shown_escaped_in_every_output_and_on_stderr(tmp_path):
    """Issue #25: a folder name with a newline must not start a CI log line with a workflow command,
    one with an escape sequence must not reach the terminal, one with a tab and ``=`` must not be a formula."""
    import xml.etree.ElementTree as ET

    class_dir = tmp_path / "class"
    for name in HOSTILE_NAMES:
        (class_dir / name).mkdir(parents=True)
        (class_dir / name / FILES["exercise-04"]).write_text(stub_source("exercise-04"), encoding="utf-8")
    out = tmp_path / "grades"
    formats = [arg for name in ("gradebook", "checks", "json", "junit", "markdown") for arg in ("--format", name)]
    completed = _batch(class_dir, out, "-e", "04", *formats)
    assert completed.returncode == 0, completed.stderr
    control = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")
    for text in (completed.stderr, completed.stdout):
        assert not control.search(text), ascii(text)
        assert "::" not in text and not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert "a\\n:%3Aerror:%3Apwned" in completed.stderr  # one line, visibly escaped
    for path in (out / "gradebook.csv", out / "checks.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not control.search(cell) and "\t" not in cell and "\n" not in cell, ascii(cell)
                assert not cell.lstrip().startswith(("=", "+", "-", "@")), ascii(cell)
    ids = [row["learner"] for row in _rows(out / "gradebook.csv")]
    assert sorted(ids) == sorted(
        ['\\t=HYPERLINK("http:evil")', "\\x1b]52;c;cHduZWQ=\\x07", "a\\n::error::pwned", "b\\u202eexe.py"]
    )
    suites = ET.fromstring((out / "junit.xml").read_bytes()).findall("testsuite")
    assert sorted(suite.get("name") for suite in suites) == sorted(ids)
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert not control.search(markdown.replace("\n", "")) and "<" not in markdown.replace("\\<", "")
    assert all(line.count("|") - line.count("\\|") == 4 for line in markdown.splitlines() if line.startswith("|"))
    stored = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(learner["learner"] for learner in stored["learners"]) == sorted(HOSTILE_NAMES)  # data, exact
    assert not re.search("[\x7f-\x9f\u202a-\u202e]", (out / "results.json").read_text(encoding="utf-8"))


def test_default_workers_for_model_exercises_count_the_one_shared_keras_server_once(monkeypatch):
    """A batch's grading processes hold no TensorFlow: the Keras fork server is paid once, not per process."""
    from grader.batch import runner
    from grader.registry import find_exercise

    models, plain = [find_exercise("exercise-10")], [find_exercise("exercise-05")]
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    for free, expected in (
        (runner.MODEL_SERVER_MB + 3 * runner.MODEL_PROCESS_MB + 1, 3),
        (runner.MODEL_SERVER_MB + 8 * runner.MODEL_PROCESS_MB, 8),
        (100, 1),
    ):
        monkeypatch.setattr(runner, "_available_mb", lambda free=free: free)
        workers, why = runner.default_workers(models)
        assert workers == expected and (why is None) == (expected == 8)
    monkeypatch.setattr(runner, "_available_mb", lambda: 3 * runner.PLAIN_PROCESS_MB)
    assert runner.default_workers(plain)[0] == 3
