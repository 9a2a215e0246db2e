"""Every output as the real tool that reads it reads it (issue #29).

Each test names its consumer: the Jenkins xUnit plugin's JUnit schema (``tests/data/jenkins-xunit-junit-10.xsd``,
MIT, from jenkinsci/xunit-plugin@8c515de ``src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/``)
validated with lxml and the file read with junitparser; pandas-style CSV readers and Excel's BOM rule; GitHub
Classroom's grading reporter (classroom-resources/autograding-grading-reporter@43c2d9f, ``src/main.js``,
``src/console-results.js``, ``src/notify-classroom.js``, ``src/helpers/test-helpers.js``) restated line by line.
"""

from __future__ import annotations

from pathlib import Path

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
