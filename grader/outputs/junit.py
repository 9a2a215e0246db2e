"""The ``junit`` writer: ``junit.xml``, the test report every CI system reads.

``testsuites`` > one ``testsuite`` per learner (name: the learner id, or ``kerasdrill`` for
one learner's run; counts, time, and properties score, max_score, the grader version, the time
grading started and the file graded per exercise) > one ``testcase`` per check (classname
``kerasdrill.<learner>.exercise-05`` in a class file, ``kerasdrill.exercise-05`` for one learner's
run: GitLab and Jenkins show the classname, not the suite's name, so a failing row says whose it
is; name ``exercise-05.check``, time). The file is valid against the Jenkins xUnit plugin's
``junit-10.xsd`` (no ``testcase@file``, no ``testsuites@skipped``) and each ``testsuite`` against Maven
Surefire's ``surefire-test-report-3.0.xsd`` (no ``testsuite@timestamp``; times with 3 decimals).

A failed check is a ``failure`` (message: its first line; text: the whole learner message), and
so is a check not attempted yet: CI shows ``skipped`` as green. A learner's code that raised,
crashed or timed out, or a fault of the grader, is an ``error``. Text is plain: characters XML
1.0 cannot hold and terminal escapes are shown as escapes (``\x1b``; the ``xml`` medium of
:mod:`grader.outputs.sanitize`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.outputs.base import WriteContext, class_writer
from grader.outputs.sanitize import XML
from grader.outputs.sanitize import xml as xml_text  # the texts arrive safe; grader-made ones pass here too
from grader.results import ClassResult, LearnerResult

ERROR_STATUSES = ("error", "timeout")


def _suite(learner: LearnerResult, graded: ClassResult, version: str) -> ET.Element:
    suite = ET.Element("testsuite", name=xml_text(learner.learner or "kerasdrill"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", learner.run.score), ("max_score", graded.max_score), ("version", version)):
        ET.SubElement(properties, "property", name=name, value=xml_text(value))
    if graded.provenance.get("started"):  # a property, not testsuite@timestamp: Surefire's schema forbids that
        ET.SubElement(properties, "property", name="started", value=xml_text(graded.provenance["started"]))
    for result in learner.run.exercises:  # the file graded: a suite property (junit-10.xsd has no testcase@file)
        if result.submission:
            ET.SubElement(properties, "property", name=f"file.{result.exercise}", value=xml_text(result.submission))
    owner = f"kerasdrill.{xml_text(learner.learner)}" if learner.learner else "kerasdrill"
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for result in learner.run.exercises:
        for check in result.checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{owner}.{result.exercise}",
                name=xml_text(f"{result.exercise}.{check.name}"),
                time=f"{check.duration_s:.3f}",
            )
            counts["tests"] += 1
            total_time += check.duration_s
            if check.passed:
                continue
            kind = "error" if check.status in ERROR_STATUSES or check.internal else "failure"
            counts["errors" if kind == "error" else "failures"] += 1
            text = xml_text(check.message or check.title)
            status = check.status if check.attempted else "not attempted"
            problem = ET.SubElement(case, kind, message=(text.splitlines() or [""])[0][:300], type=status)
            problem.text = text
    if learner.error:
        case = ET.SubElement(suite, "testcase", classname=owner, name="grader")
        ET.SubElement(case, "error", message="the grader itself failed", type="grader").text = xml_text(learner.error)
        counts["tests"] += 1
        counts["errors"] += 1
    for name, value in counts.items():
        suite.set(name, str(value))
    suite.set("time", f"{total_time:.3f}")
    return suite


def render_class(graded: ClassResult, context: WriteContext) -> str:
    import grader

    root = ET.Element("testsuites", name="kerasdrill")
    for learner in graded.learners:
        root.append(_suite(learner, graded, graded.provenance.get("grader_version", grader.__version__)))
    for name in ("tests", "failures", "errors"):  # no testsuites@skipped: junit-10.xsd forbids it (and none is skipped)
        root.set(name, str(sum(int(suite.get(name, "0")) for suite in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


WRITER = class_writer(
    "junit", "junit.xml, a testsuite per learner, for CI test reports", render_class, "junit.xml", XML
)
