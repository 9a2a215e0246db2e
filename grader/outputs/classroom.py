"""The ``classroom`` writer: Exercism's results.json, version 3, as GitHub Classroom's reporter reads it.

``{"version": 3, "status": "pass"|"fail"|"error", "max_score", "tests": [...]}`` with a test
per *point* of each check, in report order (a 3-point check is "title [1/3]" .. "[3/3]", its
first ``points`` passed). Classroom's reporter counts points two ways, the sum of the tests'
scores in its notice and passed/total x max_score in its table; with every test worth one point
both are the learner's score. Each test has ``name`` ("exercise-05 · title"), ``status`` pass/fail/error (error:
the learner's code raised, crashed or timed out), ``message`` (the learner message, ``null`` when
it passed), ``test_code``, ``task_id`` (the exercise number), ``score`` and ``max_score``, and on
each exercise's first test the code's printed ``output``, cut to 500 characters as Exercism
requires. The top status is ``error`` only for a fault of the grader itself.
:func:`github_output_line` is the ``result=<base64>`` line for ``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import base64
import json

from grader.messages import catalogue_for
from grader.outputs.base import WriteContext, Writer, for_learner
from grader.outputs.sanitize import JSON_FOR_CI, json_text, sanitized
from grader.results import RunResult

MAX_OUTPUT = 500
TRUNCATED = "... Output was truncated. Please limit to 500 chars"


def _output(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - len(TRUNCATED)] + TRUNCATED


def results(run: RunResult) -> dict:
    """The Exercism v3 results of ``run`` (see the module docstring)."""
    tests = []
    for result in run.exercises:
        number = int(result.exercise[-2:]) if result.exercise[-2:].isdigit() else None
        first = True
        for check in (for_learner(check, catalogue_for(None)) for check in result.checks):
            failed = "error" if check.status in ("error", "timeout") else "fail"
            for point in range(1, max(check.max_points, 1) + 1):
                earned = point <= check.points
                test = {
                    "name": f"{result.exercise} · {check.title}"
                    + (f" [{point}/{check.max_points}]" if check.max_points > 1 else ""),
                    "status": "pass" if earned else failed,
                    "message": None if earned else (check.message or check.title),
                    "test_code": f"{result.exercise}: {check.name}",
                    "task_id": number,
                    "score": 1 if earned else 0,
                    "max_score": 1 if check.max_points else 0,
                }
                if first and result.output:
                    test["output"] = _output(result.output)
                first = False
                tests.append(test)
    status = "error" if run.internal_error else "pass" if run.passed else "fail"
    return {"version": 3, "status": status, "max_score": run.max_score, "tests": tests}


def render(run: RunResult, context: WriteContext) -> str:
    return json.dumps(results(run), ensure_ascii=False, indent=2) + "\n"


def github_output_line(run: RunResult) -> str:
    """``result=<base64 of the compact JSON>``: what Classroom's reporter reads from a step's outputs."""
    safe = sanitized(run, JSON_FOR_CI)  # not through WRITER.render: the same texts as results.json
    compact = json_text(json.dumps(results(safe), ensure_ascii=False, separators=(",", ":"))).encode("utf-8")
    return "result=" + base64.b64encode(compact).decode("ascii")


WRITER = Writer(name="classroom", help="GitHub Classroom / Exercism v3 results.json", render=render, medium=JSON_FOR_CI)
