"""The ``markdown`` writer: score tables in GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY``.

One learner's run: a row per check (exercise, check, result, points), the learner's view (a
hidden check shows only its result), then each failing check's message and first hint: GitHub
Classroom's reporter shows no message for a failed test, so the job summary is where a learner
reads why in full. A class (``summary.md`` in a batch's outputs): a row per
learner with points per exercise and the total, under the maximum row. Learner-controlled text
(ids, titles) arrives escaped (the ``markdown`` medium, :mod:`grader.outputs.sanitize`), so that it cannot
break out of its table cell or add markup.
"""

from __future__ import annotations

from grader.outputs.base import WriteContext, Writer, for_learner
from grader.outputs.sanitize import MARKDOWN
from grader.outputs.spreadsheet import exercise_results
from grader.results import ClassResult, RunResult


def cell(text: object) -> str:
    """``text`` as one Markdown table cell: one line (its markup was escaped before the writer saw it)."""
    return " ".join(str(text).split())


def render(run: RunResult, context: WriteContext) -> str:
    lines = [f"### kerasdrill: {run.score}/{run.max_score} points", "", "| exercise | check | result | points |"]
    lines.append("|---|---|---|---:|")
    for result in run.exercises:
        for check in (for_learner(check, context.catalogue) for check in result.checks):
            mark = "✅" if check.passed else "❌"
            lines.append(
                f"| {cell(result.exercise)} | {cell(check.title)} | {mark} {cell(check.status)} "
                f"| {check.points}/{check.max_points} |"
            )
    why = []
    for result in run.exercises:
        for check in (for_learner(check, context.catalogue) for check in result.checks):
            if check.passed or not (check.message or check.hints):
                continue
            why.append(f"- **{cell(result.exercise)} · {cell(check.title)}**: {cell(check.message)}")
            if check.hints:
                why.append(f"  {context.catalogue.render('report.hint')}: {cell(check.hints[0])}")
    if why:
        lines += ["", *why]
    return "\n".join(lines) + "\n"


def render_class(graded: ClassResult, context: WriteContext) -> str:
    head = ["learner", *graded.exercises, "total"]
    maxima = " | ".join(str(graded.max_points[e]) for e in graded.exercises)
    lines = [
        f"### kerasdrill: {len(graded.learners)} learner(s)" + ("" if graded.complete else " (incomplete)"),
        "",
        "| " + " | ".join(map(cell, head)) + " |",
        "|---" + "|---:" * (len(head) - 1) + "|",
        f"| (max points) | {maxima} | {graded.max_score} |",
    ]
    for learner in graded.learners:
        results = exercise_results(learner)
        points = [results[e].score if e in results else "" for e in graded.exercises]
        total = sum(p for p in points if isinstance(p, int))
        lines.append(f"| {cell(learner.learner)} | " + " | ".join(map(str, points)) + f" | {total} |")
    return "\n".join(lines) + "\n"


WRITER = Writer(
    name="markdown",
    help="Markdown score tables (GitHub job summaries)",
    render=render,
    render_class=render_class,
    filename="summary.md",
    medium=MARKDOWN,
)
