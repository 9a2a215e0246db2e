"""The ``json`` writer: one JSON object for CI and other tools.

One exercise gives its :meth:`~grader.results.ExerciseResult.to_dict`, a whole
run :meth:`~grader.results.RunResult.to_dict`, a class (``grade batch``'s
``results.json``) :meth:`~grader.results.ClassResult.to_dict`; each re-reads with ``from_dict``.
"""

from __future__ import annotations

import json

from grader.outputs.base import WriteContext, Writer
from grader.outputs.sanitize import JSON
from grader.results import ClassResult, RunResult


def render(run: RunResult, context: WriteContext) -> str:
    """The results as indented JSON (UTF-8 text kept as it is)."""
    data = run.exercises[0].to_dict() if not context.whole_run and len(run.exercises) == 1 else run.to_dict()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_class(graded: ClassResult, context: WriteContext) -> str:
    """A whole class (``grade batch``'s ``results.json``); re-read with ``ClassResult.from_dict``."""
    return json.dumps(graded.to_dict(), ensure_ascii=False, indent=2) + "\n"


WRITER = Writer(
    name="json",
    help="one JSON object for tools",
    render=render,
    render_class=render_class,
    filename="results.json",
    medium=JSON,  # data, kept exactly; C1 and bidi characters written as \u escapes
)
