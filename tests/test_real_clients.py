"""Every output as the real tool that reads it reads it (issue #29).

Each test names its consumer: the Jenkins xUnit plugin's JUnit schema (``tests/data/jenkins-xunit-junit-10.xsd``,
MIT, from jenkinsci/xunit-plugin@8c515de ``src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/``)
and Maven Surefire's test-report schema (``tests/data/surefire-test-report-3.0.xsd``, Apache-2.0, from
apache/maven-surefire@14e8e1a ``maven-surefire-plugin/src/site/resources/xsd/``; one ``testsuite`` per document,
as Surefire writes them), validated with lxml and the file read with junitparser; pandas-style CSV readers and Excel's BOM rule; GitHub
Classroom's grading reporter (classroom-resources/autograding-grading-reporter@43c2d9f, ``src/main.js``,
``src/console-results.js``, ``src/notify-classroom.js``, ``src/helpers/test-helpers.js``) restated line by line.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest

from grader.outputs import WRITERS, WriteContext
from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult

DATA = Path(__file__).parent / "data"


def _run(*statuses: str, message: str = "expected 26, found 28: the padding was counted twice") -> RunResult:
    checks = [
        CheckResult(
            f"check_{index}",
            f"Check {index}",
            status,
            2 if status == "passed" else 0,
            2,
            message="" if status == "passed" else message,
            attempted=status != "not attempted",
            duration_s=0.25,
        )
        for index, status in enumerate(statuses, start=1)
    ]
    return RunResult(exercises=[ExerciseResult("exercise-05", "cnn_shapes", "CNN shapes", "ex05.py", checks=checks)])


def _class() -> ClassResult:
    learners = [
        LearnerResult("alice", _run("passed", "passed", "passed")),
        LearnerResult("bob", _run("passed", "failed", "timeout")),
        LearnerResult("김민준", _run("failed", "failed", "failed")),
    ]
    return ClassResult(
        learners=learners,
        exercises=["exercise-05"],
        max_points={"exercise-05": 6},
        provenance={"started": "2026-12-07T10:00:00+00:00"},
    )


# ----------------------------------------------------------------------------- JUnit XML


def _junit_schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(DATA / "jenkins-xunit-junit-10.xsd")))


def test_the_class_junit_file_is_valid_for_the_jenkins_xunit_schema():
    from lxml import etree

    text = WRITERS["junit"].render_class(_class(), WriteContext())
    schema = _junit_schema()
    document = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_one_learners_junit_file_is_valid_for_the_jenkins_xunit_schema():
    from lxml import etree

    text = WRITERS["junit"].render(_run("passed", "failed", "not attempted"), WriteContext())
    schema = _junit_schema()
    assert schema.validate(etree.fromstring(text.encode("utf-8"))), schema.error_log


def test_every_junit_testsuite_is_valid_for_the_surefire_report_schema():
    """GitLab, Jenkins' JUnit plugin and most CI report readers take Surefire's reports; Surefire's schema
    describes one ``testsuite`` per file: each of ours, class file or one learner's, must pass it."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "surefire-test-report-3.0.xsd")))
    run = _run("passed", "failed", "not attempted", "timeout", "error")
    for text in (WRITERS["junit"].render_class(_class(), WriteContext()), WRITERS["junit"].render(run, WriteContext())):
        suites = list(etree.fromstring(text.encode("utf-8")).iter("testsuite"))
        assert suites
        for suite in suites:
            assert schema.validate(etree.ElementTree(suite)), schema.error_log


def test_a_failing_row_says_whose_it_is_where_only_the_classname_is_shown():
    """GitLab shows ``classname`` as the suite and Jenkins groups by it; the suite's name is not shown."""
    from junitparser import Error, Failure, JUnitXml

    text = WRITERS["junit"].render_class(_class(), WriteContext())
    parsed = JUnitXml.fromstring(text.encode("utf-8"))
    rows = [(case.classname, case.name, case.result) for suite in parsed for case in suite]
    assert len({(classname, name) for classname, name, _ in rows}) == len(rows) == 9  # every row its own
    failing = {classname for classname, _, result in rows if any(isinstance(r, (Failure, Error)) for r in result)}
    assert failing == {"kerasdrill.bob.exercise-05", "kerasdrill.김민준.exercise-05"}
    assert parsed.tests == 9 and parsed.failures == 4 and parsed.errors == 1


# ----------------------------------------------------------------------------- CSV gradebooks


def _gradebook_file(tmp_path: Path, graded: ClassResult | None = None) -> Path:
    path = tmp_path / "gradebook.csv"
    path.write_text(WRITERS["gradebook"].render_class(graded or _class(), WriteContext()), encoding="utf-8")
    return path


def test_pandas_reads_every_gradebook_row_as_a_learner(tmp_path):
    """pandas (as an instructor computes a class mean) and an LMS import read each row under the header
    as a learner: no "(max points)" row may be among them. The points possible are in the header."""
    import pandas  # in the test extra: a skipped consumer test would prove nothing

    frame = pandas.read_csv(_gradebook_file(tmp_path))
    assert list(frame["learner"]) == ["alice", "bob", "김민준"]  # BOM stripped, Hangul intact
    assert list(frame.columns[:3]) == ["learner", "exercise-05 (6 pts)", "total (6 pts)"]
    assert frame["total (6 pts)"].mean() == pytest.approx((6 + 2 + 0) / 3)


def test_every_gradebook_row_is_a_learner_for_csv_readers(tmp_path):
    """Moodle's grade import stops at a row whose id is no user; the csv module reads as Moodle does."""
    rows = list(csv.DictReader(io.StringIO(_gradebook_file(tmp_path).read_text(encoding="utf-8-sig"))))
    assert [row["learner"] for row in rows] == ["alice", "bob", "김민준"]
    assert [row["total (6 pts)"] for row in rows] == ["6", "2", "0"]


def test_the_csv_files_start_with_a_bom_so_excel_on_korean_windows_reads_utf8(tmp_path):
    """Excel decodes a CSV without a BOM in the ANSI code page (cp949 in Korea): Hangul becomes mojibake."""
    for name in ("gradebook", "checks"):
        data = WRITERS[name].render_class(_class(), WriteContext()).encode("utf-8")
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.count(b"\xef\xbb\xbf") == 1 and "김민준".encode() in data


def test_a_formula_learner_id_is_still_shown_not_run_after_the_bom(tmp_path):
    graded = _class()
    graded.learners[0].learner = '=HYPERLINK("http://evil")'
    rows = list(csv.reader(io.StringIO(WRITERS["gradebook"].render_class(graded, WriteContext()))))
    assert rows[0][0] == "\ufefflearner" and not rows[1][0].lstrip().startswith(("=", "+", "-", "@"))


def test_batch_format_markdown_writes_what_the_readme_says(tmp_path):
    """README: "`--format` replaces that default set: `--format markdown` writes only `summary.md`"."""
    import subprocess
    import sys

    from support import stub_source

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "`--format markdown` writes only `summary.md`" in " ".join(readme.split())
    learner = tmp_path / "class" / "ann"
    learner.mkdir(parents=True)
    (learner / "exercise_04_parameter_counts.py").write_text(stub_source("exercise-04"), encoding="utf-8")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out", str(out)]
    completed = subprocess.run([*command, "--format", "markdown", "--workers", "1"], capture_output=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert sorted(path.name for path in out.iterdir()) == ["summary.md"]


# ----------------------------------------------------------------------------- GitHub Classroom's reporter

REPORTER = "classroom-resources/autograding-grading-reporter@43c2d9f"


def _worst_korean_run() -> RunResult:
    """Every exercise, every check failed, in Korean, each with a long message, a hint and printed output:
    the largest result a learner's push can make."""
    from grader.messages import catalogue_for
    from grader.registry import all_exercises

    exercises = []
    long_message = "예상한 값은 (176, 176)인데 (88, 0)을 돌려주었습니다: 감마와 베타, 이동 평균과 분산. " * 30
    for exercise in all_exercises():
        catalogue = catalogue_for(exercise, "ko")
        checks = [
            CheckResult(
                name,
                catalogue.check_title(name),
                "failed",
                0,
                points,
                message=long_message,
                hints=["채널마다 네 개의 수: 감마와 베타는 학습되고 이동 평균과 분산은 학습되지 않습니다."] * 2,
            )
            for name, points in exercise.declared_checks()
        ]
        exercises.append(
            ExerciseResult(
                exercise.id,
                exercise.slug,
                catalogue.title(),
                "exercises/x.py",
                checks=checks,
                output="출력" * 400,
                language="ko",
            )
        )
    return RunResult(exercises=exercises)


def _reporter_console(results: dict) -> list[str]:
    """What the reporter prints for one runner (``src/console-results.js``, restated line by line, colours left out):
    pass -> "✅ name" (+ " - line N" when ``test.line_no !== 0``: an absent line_no prints "line undefined");
    error -> "Error: message"; otherwise "❌ name" (+ line); then "Test code:\\n<test_code>" whenever it is set.
    A failed test's ``message`` is never printed."""
    lines = []
    for test in results["tests"]:
        line = f" - line {test.get('line_no', 'undefined')}" if test.get("line_no", "undefined") != 0 else ""
        if test["status"] == "pass":
            lines.append(f"✅ {test['name']}{line}")
        elif test["status"] == "error":
            fallback = "Failed to run test '" + test["name"] + "'"
            lines.append(f"Error: {test.get('message') or fallback}")
        else:
            lines.append(f"❌ {test['name']}{line}")
        if test.get("test_code"):
            lines.append(f"Test code:\n{test['test_code']}\n")
    return lines


def _reporter_points(results: dict) -> tuple[float, int]:
    """``src/notify-classroom.js``: Σ tests[].score of max_score (the notice Classroom records)."""
    return sum(test["score"] for test in results["tests"]), results["max_score"]


def _decoded(line: str) -> dict:
    """``src/main.js``: ``Buffer.from(env, "base64")`` then ``JSON.parse``."""
    import base64
    import json

    assert line.startswith("result=")
    return json.loads(base64.b64decode(line.removeprefix("result=")).decode("utf-8"))


def test_the_learner_reads_why_a_check_failed_in_the_reporters_log():
    from grader.outputs.classroom import github_output_line

    results = _decoded(github_output_line(_run("passed", "failed", "timeout")))
    printed = "\n".join(_reporter_console(results))
    assert "line undefined" not in printed
    assert printed.count("expected 26, found 28: the padding was counted twice") == 2  # once per failing check
    assert _reporter_points(results) == (2, 6)


def test_the_result_variable_fits_linuxs_limit_in_the_worst_korean_case():
    """The workflow hands the result to the reporter as one environment variable: over 131,072 bytes, Linux
    refuses to start it (E2BIG) and no score is recorded. Started for real here, with the worst Korean result."""
    import subprocess

    from grader.outputs.classroom import github_output_line

    run = _worst_korean_run()
    line = github_output_line(run)
    value = line.removeprefix("result=")
    completed = subprocess.run(["env"], env={"KERASDRILL_RESULTS": value}, capture_output=True, timeout=60)
    assert completed.returncode == 0
    results = _decoded(line)
    assert _reporter_points(results) == (0, run.max_score)  # every test and the score kept
    assert len(results["tests"]) == sum(max(c.max_points, 1) for e in run.exercises for c in e.checks)


def test_the_job_summary_holds_each_failing_checks_message_and_hint():
    run = _run("passed", "failed", "not attempted")
    run.exercises[0].checks[1].hints = ["Count the padding once."]
    summary = WRITERS["markdown"].render(run, WriteContext())
    assert summary.count("expected 26, found 28") == 2 and "Hint: Count the padding once." in summary


def test_grade_ci_github_lang_ko_writes_a_korean_workflow(tmp_path):
    import re

    import yaml
    from click.testing import CliRunner

    from grader.cli import main

    wheel = tmp_path / "kerasdrill-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"")  # copied as it is: only its name matters to the workflow
    made = CliRunner().invoke(
        main, ["ci", "github", "--lang", "ko", "--out", str(tmp_path / "repo"), "--wheel", str(wheel)]
    )
    assert made.exit_code == 0, made.output
    text = (tmp_path / "repo/.github/workflows/classroom.yml").read_text(encoding="utf-8")
    steps = yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]
    grade = next(step for step in steps if step.get("id"))
    assert "--lang ko" in grade["run"] and "--verbose" in grade["run"]
    assert all(re.search("[가-힣]", step["name"]) for step in steps), [step["name"] for step in steps]


# ----------------------------------------------------------------------------- no English left under --lang ko

ENGLISH_LEFT = ("namespace", "network", "learner(s)", "graded ", "results in", "points", "empty folder", "no file")


def test_grade_verbose_names_the_sandbox_layers_in_korean():
    from grader.messages import catalogue_for

    layers = dict.fromkeys(["pid namespace", "mount namespace", "no network", "own IPC", "allowlisted files"], True)
    layers.update(dict.fromkeys(["read-only files", "unprivileged user", "no capabilities", "session size cap"], False))
    run = _run("failed")
    run.exercises[0].sandbox = layers
    context = WriteContext(verbose=True, catalogue=catalogue_for(None, "ko"))
    line = WRITERS["text"].render(run, context).strip().splitlines()[-1]
    assert line.startswith("코드 실행 샌드박스") and not any(word in line for word in ENGLISH_LEFT), line
    assert not any(word in line for word in ("files", "user", "capabilities", "IPC ", "size")), line


def test_gradescopes_top_line_is_korean():
    import json

    from grader.messages import catalogue_for

    data = json.loads(
        WRITERS["gradescope"].render(_run("passed", "failed"), WriteContext(catalogue=catalogue_for(None, "ko")))
    )
    assert data["output"].endswith("2/4점") and "points" not in data["output"]


def test_grade_batch_lang_ko_speaks_korean_in_its_log_and_gradebook_notes(tmp_path):
    import subprocess
    import sys

    from support import stub_source

    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "exercise_04_parameter_counts.py").write_text(stub_source("exercise-04"), "utf-8")
    (tmp_path / "class" / "bo").mkdir()  # an empty folder
    (tmp_path / "class" / "cy").mkdir()
    (tmp_path / "class" / "cy" / "homework.py").write_text("x = 1\n", encoding="utf-8")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out", str(out), "-e", "04"]
    completed = subprocess.run(
        [*command, "--lang", "ko", "--workers", "1"], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    log = completed.stderr
    assert "학습자 3명" in log and not any(word in log for word in ENGLISH_LEFT), log
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    notes = {row["learner"]: row["note"] for row in rows}
    assert notes["bo"].startswith("빈 폴더") and notes["cy"].startswith("어느 연습 문제와도"), notes
    assert not any(word in note for note in notes.values() for word in ENGLISH_LEFT + ("named like",)), notes


# The reporter's own source, where a checkout of it is at hand (git clone classroom-resources/autograding-grading-reporter
# and set KERASDRILL_REPORTER_SRC to its src/): run with node, its two npm dependencies replaced by the few calls it makes.
REPORTER_SRC = Path(os.environ.get("KERASDRILL_REPORTER_SRC", "autograding-grading-reporter/src"))
ACTIONS_CORE = """exports.getInput = (name) => process.env[`INPUT_${name.toUpperCase()}`] || "";
exports.notice = (message, properties) => console.log(`::notice title=${properties.title}::${message}`);
exports.setFailed = (message) => { console.log(`::error::${message}`); process.exitCode = 1; };
"""
CLI_TABLE = """module.exports = class Table { constructor() { this.rows = []; } push(row) { this.rows.push(row); }
  toString() { return this.rows.map((row) => row.join(" | ")).join("\\n"); } };
"""


@pytest.mark.skipif(
    shutil.which("node") is None or not (REPORTER_SRC / "main.js").is_file(),
    reason="needs node and the reporter's src/ (KERASDRILL_REPORTER_SRC); its restatement above always runs",
)
def test_the_reporters_own_code_shows_the_message_and_records_the_points(tmp_path):
    import subprocess

    from grader.outputs.classroom import github_output_line

    shutil.copytree(REPORTER_SRC, tmp_path / "src")
    for package, code in (("@actions/core", ACTIONS_CORE), ("cli-table3", CLI_TABLE)):
        (tmp_path / "node_modules" / package).mkdir(parents=True)
        (tmp_path / "node_modules" / package / "index.js").write_text(code, encoding="utf-8")
    for run, points in ((_run("passed", "failed", "timeout"), "Points 2/6"), (_worst_korean_run(), "Points 0/")):
        value = github_output_line(run).removeprefix("result=")
        env = {"PATH": os.environ["PATH"], "INPUT_RUNNERS": "kerasdrill", "KERASDRILL_RESULTS": value}
        completed = subprocess.run(["node", "src/main.js"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert f"::notice title=Autograding complete::{points}" in completed.stdout, completed.stderr
        assert "line undefined" not in completed.stdout
    assert "expected 26, found 28" in subprocess.run(
        ["node", "src/main.js"], cwd=tmp_path, capture_output=True, text=True,
        env={**env, "KERASDRILL_RESULTS": github_output_line(_run("failed")).removeprefix("result=")},
    ).stdout  # fmt: skip
