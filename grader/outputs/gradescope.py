"""The ``gradescope`` writer: the ``results.json`` a Gradescope autograder writes to /autograder/results/.

One learner's run (Gradescope runs one container per submission): a test per check, named
"exercise-05 · <check title>" and numbered ``5.1``, ``5.2`` ... in report order, with its
score and max_score, ``status`` passed or failed, and the learner message (and hint) as its
output; the top level has the score, the execution time, a one-line summary and
``stdout_visibility: hidden`` (the grader's own stdout is for the instructor). Keys as in
Gradescope's specification (../shared/FORMATS.md section 1).
"""

from __future__ import annotations

import json

from grader.outputs.base import WriteContext, Writer, for_learner
from grader.outputs.sanitize import JSON_FOR_PEOPLE
from grader.results import RunResult


def _output(check, context: WriteContext) -> str:
    if check.passed:
        return ""
    text = check.message or check.title
    if check.hints:
        text += "\n" + context.catalogue.render("report.hint") + ": " + check.hints[0]
    return text


def render(run: RunResult, context: WriteContext) -> str:
    import grader

    tests = []
    for result in run.exercises:
        number = int(result.exercise.rsplit("-", 1)[-1]) if result.exercise[-2:].isdigit() else 0
        for index, check in enumerate((for_learner(c, context.catalogue) for c in result.checks), start=1):
            tests.append(
                {
                    "name": f"{result.exercise} · {check.title}",
                    "number": f"{number}.{index}",
                    "score": check.points,
                    "max_score": check.max_points,
                    "status": "passed" if check.passed else "failed",
                    "output": _output(check, context),
                    "output_format": "text",
                    "visibility": "visible",
                    "tags": [result.exercise, check.status],
                }
            )
    data = {
        "score": run.score,
        "execution_time": round(run.duration_s, 3),
        "output": context.catalogue.render(
            "gradescope.summary", version=grader.__version__, score=run.score, max_score=run.max_score
        )
        + ("" if run.complete else context.catalogue.render("gradescope.interrupted")),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"max_score": run.max_score, "complete": run.complete},
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


WRITER = Writer(
    name="gradescope", help="Gradescope's results.json, a test per check", render=render, medium=JSON_FOR_PEOPLE
)
