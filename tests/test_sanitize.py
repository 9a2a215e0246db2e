"""Learner text through every writer (issue #25 item 4): generated ids, messages, output, notes and
sandbox layer names of arbitrary characters, and per medium what may never come out of them.

* text (a terminal or a CI log): no control character but newline, tab and our own colours; no ``::``
  or ``##[`` anywhere, so no line is a GitHub workflow command;
* CSV: every cell parses, has no control character, and never starts a formula, even after whitespace;
* JUnit: parses with xml.etree;
* Markdown: no raw ``<`` (no HTML), no unescaped ``[`` (no link or image), every table row keeps its cells;
* JSON (results.json, Gradescope, Classroom): parses, holds no raw C1 or bidi character, and
  results.json keeps the learner id exactly (``--resume`` and ``grade merge`` read it back).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import click
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.outputs import WRITERS, WriteContext, Writer, sanitize
from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult

HOSTILE_PIECES = [
    "\n::error::pwned",
    "::add-mask::x",
    "##[error]x",
    "\x1b[31m",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]8;;http://evil\x1b\\",
    "\x9b2J",
    "\r",
    "\u202e",
    "\u2066",
    '\t=HYPERLINK("http://x")',
    " =1+1",
    "@SUM(A1)",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:x)",
    "![i](http://x)",
    "|",
    "\x00",
    "\ud800",
    "\ufffe",
]
learner_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(st.characters(codec=None, exclude_categories=()), max_size=8)),
    max_size=6,
).map("".join)

# Control characters: C0 (newline and tab allowed in multi-line text), DEL, C1; bidi and invisible formats.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
OUR_COLOURS = re.compile("\x1b\\[[0-9;]*m")
FORMULA = ("=", "+", "-", "@")


def _class(learner: str, text: str) -> ClassResult:
    checks = [
        CheckResult("good", "Good", "passed", 1, 1),
        CheckResult(
            "bad",
            "Bad " + text[:10],
            "failed",
            0,
            2,
            message=f"f({text!s}) returned {text}",
            message_id="engine.raised",
            params={"call": text, "error": text},
            details=text,
            hints=[text],
        ),
        CheckResult("boom", "Boom", "error", 0, 1, message=text),
    ]
    result = ExerciseResult(
        "exercise-04",
        "parameter_counts",
        "Parameter counts",
        f"{learner}/exercise_04_parameter_counts.ipynb",
        checks=checks,
        output=text + "\n" + text,
        sandbox={text: True, "seccomp": False},
        notes=[{"$message": "report.sandbox", "params": {"active": text, "missing": text}}],
        error=text,
    )
    run = RunResult(exercises=[result])
    return ClassResult(
        learners=[LearnerResult(learner, run, note=text, error=text)],
        exercises=["exercise-04"],
        max_points={"exercise-04": 4},
    )


def _no_command(text: str) -> None:
    assert "::" not in text and "##[" not in text, text
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line


def _check_text(output: str) -> None:
    assert not CONTROL.search(OUR_COLOURS.sub("", output)), ascii(output)
    _no_command(output)


def _check_csv(output: str) -> None:
    for row in csv.reader(io.StringIO(output)):
        for cell in row:
            assert not CONTROL.search(cell.replace("\n", "").replace("\t", "")), ascii(cell)
            assert "\t" not in cell and "\n" not in cell, ascii(cell)
            assert not cell.lstrip().startswith(FORMULA) or _number(cell), ascii(cell)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_xml(output: str) -> None:
    ET.fromstring(output.encode("utf-8"))
    assert not CONTROL.search(output.replace("\n", "").replace("\t", "")), ascii(output)


def _check_markdown(output: str) -> None:
    assert not re.search(r"(?<!\\)<", output), output
    assert not re.search(r"(?<!\\)\[", output), output
    assert not CONTROL.search(output.replace("\n", "")), ascii(output)
    rows = [line for line in output.splitlines() if line.startswith("|")]
    cells = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert len(cells) == 1, rows  # no learner text added or ended a cell


def _check_json(output: str) -> None:
    json.loads(output)
    assert not re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", output), ascii(output)


CHECKS = {
    "text": _check_text,
    "json": _check_json,
    "gradebook": _check_csv,
    "checks": _check_csv,
    "junit": _check_xml,
    "gradescope": _check_json,
    "classroom": _check_json,
    "markdown": _check_markdown,
}


def test_every_writer_is_checked_here_and_names_a_medium():
    assert set(CHECKS) == set(WRITERS)
    assert all(isinstance(writer.medium, sanitize.Medium) for writer in WRITERS.values())


def test_a_writer_without_a_medium_is_refused():
    try:
        Writer(name="new", help="a new format", render=lambda run, context: "")
    except TypeError:
        return
    raise AssertionError("a writer was made without naming its medium")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learner=learner_text, text=learner_text, colour=st.booleans(), verbose=st.booleans())
def test_learner_text_through_every_writer(learner, text, colour, verbose):
    graded = _class(learner, text)
    run = graded.learners[0].run
    style = click.style if colour else (lambda value, **_: value)
    for whole_run in (False, True):
        context = WriteContext(whole_run=whole_run, verbose=verbose, style=style)
        for name, writer in WRITERS.items():
            CHECKS[name](writer.render(run, context))
            if writer.progress is not None:
                CHECKS[name](writer.progress(run.exercises[0], context) or ("" if name == "text" else "{}"))
            if writer.render_class is not None:
                CHECKS[name](writer.render_class(graded, context))
    stored = json.loads(WRITERS["json"].render_class(graded, WriteContext()))
    assert stored["learners"][0]["learner"] == learner  # data kept exactly


@settings(max_examples=200, deadline=None)
@given(text=learner_text)
def test_each_medium_alone(text):
    _no_command(sanitize.ci_log(text, one_line=False))
    assert "\n" not in sanitize.ci_log(text) and "\r" not in sanitize.ci_log(text)
    assert not sanitize.csv(text).lstrip().startswith(FORMULA) or sanitize.csv(text).startswith("'")
    ET.fromstring(f"<a b='{_attr(sanitize.xml(text))}'>{_attr(sanitize.xml(text))}</a>".encode())
    shown = sanitize.markdown(text)
    assert not re.search(r"(?<!\\)[<\[|]", shown) and "\n" not in shown
    assert json.loads(sanitize.json_text(json.dumps(text, ensure_ascii=False))) == text


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")


def test_what_an_instructor_sees_of_hostile_names():
    assert sanitize.ci_log("a\n::error::pwned") == "a\\n:%3Aerror:%3Apwned"
    assert sanitize.terminal("\x1b]52;c;AA\x07") == "\\x1b]52;c;AA\\x07"
    assert sanitize.terminal("abc\u202edef") == "abc\\u202edef"
    assert sanitize.csv("\t=HYPERLINK(1)") == "\\t=HYPERLINK(1)"
    assert sanitize.csv(" =1") == "' =1"
    assert sanitize.markdown("<b>|[x](y)") == "\\<b\\>\\|\\[x\\]\\(y\\)"
    assert sanitize.terminal("한국어 ✓ 👨‍👩‍👧", one_line=False) == "한국어 ✓ 👨‍👩‍👧"  # text is text


def test_grade_report_shows_hostile_names_escaped_in_the_table_and_the_page(tmp_path):
    from grader.batch.class_report import class_report

    text = "a\n::error::pwned\x1b]52;c;cHduZWQ=\x07\u202e<script>x</script>"
    graded = _class(text, text)
    graded.learners[0].run.exercises[0].checks[1].params.update(found=text)
    (tmp_path / "results.json").write_text(WRITERS["json"].render_class(graded, WriteContext()), encoding="utf-8")
    _, table, _ = class_report([tmp_path / "results.json"])
    _check_text(table)
    assert "a\\n:%3Aerror:%3Apwned\\x1b]52" in table
    class_report([tmp_path / "results.json"], out=tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>x" not in page and "\x1b" not in page and "\u202e" not in page
    assert "a\\n::error::pwned\\x1b]52;c;cHduZWQ=\\x07\\u202e&lt;script&gt;" in page
