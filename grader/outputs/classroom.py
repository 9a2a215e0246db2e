"""The ``classroom`` writer: Exercism's results.json, version 3, as GitHub Classroom's reporter reads it.

``{"version": 3, "status": "pass"|"fail"|"error", "max_score", "tests": [...]}`` with a test
per *point* of each check, in report order (a 3-point check is "title [1/3]" .. "[3/3]", its
first ``points`` passed). Classroom's reporter counts points two ways, the sum of the tests'
scores in its notice and passed/total x max_score in its table; with every test worth one point
both are the learner's score. Each test has ``name`` ("exercise-05 · title"), ``status`` pass/fail/error (error:
the learner's code raised, crashed or timed out), ``message`` (the learner message, ``null`` when
it passed), ``test_code``, ``task_id`` (the exercise number), ``line_no`` and ``filename`` (which the
reporter prints beside each row: ``0`` and ``""``, so it prints no "line undefined"), ``score`` and
``max_score``, and on each exercise's first test the code's printed ``output``, cut to 500
characters as Exercism requires. The top status is ``error`` only for a fault of the grader itself.

What the learner sees in the reporter's log (classroom-resources/autograding-grading-reporter,
``src/console-results.js``): for each test ``✅``/``❌ name``, and ``test_code`` whenever it is set;
``message`` only for an ``error``. So the first failing test of a check carries its message and
first hint in ``message`` and, for a failure, in ``test_code`` too (the check's later points carry
none: one explanation per check).

:func:`github_output_line` is the ``result=<base64>`` line for ``$GITHUB_OUTPUT``. The workflow hands
it to the reporter as one environment variable, and Linux refuses to start a program with a
variable over 131,072 bytes (``MAX_ARG_STRLEN``; the reporter then never runs and no score is
recorded). So the line is kept under :data:`MAX_RESULT_BYTES`: messages are cut shorter and
shorter (the full ones are in the job summary and the step's log), then the printed output goes;
tests, statuses and scores are never dropped.
"""

from __future__ import annotations

import base64
import json

from grader.messages import Catalogue, catalogue_for
from grader.outputs.base import WriteContext, Writer, for_learner
from grader.outputs.sanitize import JSON_FOR_CI, json_text, sanitized
from grader.results import RunResult

MAX_OUTPUT = 500
TRUNCATED = "... Output was truncated. Please limit to 500 chars"
ENV_LIMIT = 131_072  # Linux MAX_ARG_STRLEN: one "NAME=value\0" string of a program's environment
MAX_RESULT_BYTES = ENV_LIMIT - 4_096  # room for the variable's name and a margin
MESSAGE_CUTS = (None, 600, 200, 80, 0)  # characters of test_code/message kept, in turn, until it fits


def _output(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - len(TRUNCATED)] + TRUNCATED


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if limit > 0 else ""


def results(
    run: RunResult, catalogue: Catalogue | None = None, *, cut: int | None = None, with_output: bool = True
) -> dict:
    """The Exercism v3 results of ``run`` (see the module docstring); ``cut``: the characters of each
    message kept (``None``: all), ``with_output``: whether the printed output is included."""
    catalogue = catalogue or catalogue_for(None)
    tests = []
    for result in run.exercises:
        number = int(result.exercise[-2:]) if result.exercise[-2:].isdigit() else None
        first = True
        for check in (for_learner(check, catalogue) for check in result.checks):
            failed = "error" if check.status in ("error", "timeout") else "fail"
            explained = False
            for point in range(1, max(check.max_points, 1) + 1):
                earned = point <= check.points
                why = ""
                if not earned and not explained:
                    explained = True
                    why = check.message or check.title
                    if check.hints:
                        why += f"\n{catalogue.render('report.hint')}: {check.hints[0]}"
                # the reporter prints an error's message itself, a failure's only through test_code
                shown = _cut(why, cut) if failed == "fail" else ""
                test = {
                    "name": f"{result.exercise} · {check.title}"
                    + (f" [{point}/{check.max_points}]" if check.max_points > 1 else ""),
                    "status": "pass" if earned else failed,
                    "message": _cut(why, cut) or None,
                    "test_code": f"{result.exercise}: {check.name}" + (f"\n{shown}" if shown else ""),
                    "task_id": number,
                    "filename": "",
                    "line_no": 0,
                    "score": 1 if earned else 0,
                    "max_score": 1 if check.max_points else 0,
                }
                if first and result.output and with_output:
                    test["output"] = _output(result.output)
                first = False
                tests.append(test)
    status = "error" if run.internal_error else "pass" if run.passed else "fail"
    return {"version": 3, "status": status, "max_score": run.max_score, "tests": tests}


def render(run: RunResult, context: WriteContext) -> str:
    return json.dumps(results(run, context.catalogue), ensure_ascii=False, indent=2) + "\n"


def github_output_line(run: RunResult, context: WriteContext | None = None) -> str:
    """``result=<base64 of the compact JSON>``: what Classroom's reporter reads from a step's outputs,
    its value at most :data:`MAX_RESULT_BYTES` (see the module docstring)."""
    safe = sanitized(run, JSON_FOR_CI)  # not through WRITER.render: the same texts as results.json
    catalogue = (context or WriteContext()).catalogue
    attempts = [(cut, True) for cut in MESSAGE_CUTS] + [(0, False)]
    for cut, with_output in attempts:
        data = results(safe, catalogue, cut=cut, with_output=with_output)
        compact = json_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"))).encode("utf-8")
        value = base64.b64encode(compact).decode("ascii")
        if len(value) <= MAX_RESULT_BYTES:
            break
    return "result=" + value  # past every cut: names and scores alone, the most there is to keep


WRITER = Writer(name="classroom", help="GitHub Classroom / Exercism v3 results.json", render=render, medium=JSON_FOR_CI)
