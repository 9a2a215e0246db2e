"""The ``text`` writer: the report a learner reads at a terminal.

One exercise: a table of checks, what failed and why, the score and a hint
(:func:`render_text`). A whole run (``grade all``): one line per exercise and
the total (:func:`render_summary`), with each exercise's full report streamed
as it finishes when ``--verbose``.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.messages import MESSAGE_REF_KEY, Catalogue, catalogue_for
from grader.outputs.base import WriteContext, Writer, for_learner, plain
from grader.outputs.columns import DEFAULT_WIDTH, clip, display_width, ljust, wrap
from grader.outputs.sanitize import CI_LOG
from grader.results import CheckResult, ExerciseResult, RunResult

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱", "not_attempted": "·"}
ASCII_MARKS = {"passed": "+", "failed": "x", "error": "!", "timeout": "T", "not_attempted": "."}
COLORS = {"passed": "green", "failed": "red", "error": "magenta", "timeout": "yellow", "not_attempted": "bright_black"}
WIDTH = DEFAULT_WIDTH  # when not at a terminal (a file, a CI log): the same report everywhere

Styler = Callable[..., str]


def _mark_key(check: CheckResult) -> str:
    return "not_attempted" if not check.attempted else check.status


def render_text(
    result: ExerciseResult,
    *,
    verbose: bool = False,
    style: Styler = plain,
    ascii_only: bool = False,
    catalogue: Catalogue | None = None,
    width: int = WIDTH,
) -> str:
    """The learner's report: a table of checks, what failed and why, the score, one hint; ``width``
    columns wide (a Hangul character counts two)."""
    catalogue = catalogue or catalogue_for(None)
    marks = ASCII_MARKS if ascii_only else MARKS
    lines = [style(f"{result.exercise} · {result.slug} · {result.title}", bold=True)]
    if result.submission:
        lines.append(style(result.submission, fg="bright_black"))
    note_label = catalogue.render("report.note")
    for note in result.notes:  # how the file was read: a notebook's skipped cells, the file chosen
        text = catalogue.render(note.get(MESSAGE_REF_KEY, ""), **dict(note.get("params") or {}))
        lines.extend(
            style(line, fg="yellow")
            for line in wrap(text, width, initial_indent=f"  {note_label}: ", subsequent_indent="        ")
        )
    lines.append("")
    title_width = min(width - 28, 60, max([display_width(c.title) for c in result.checks] + [10]))
    previous_message = None
    for check in (for_learner(check, catalogue) for check in result.checks):
        key = _mark_key(check)
        points = f"{check.points}/{check.max_points}"
        label = clip(check.title, title_width, "..." if ascii_only else "…")
        status = (
            ""
            if check.passed
            else catalogue.render("report.not_attempted" if key == "not_attempted" else f"report.status_{check.status}")
        )
        mark = style(marks[key], fg=COLORS[key], bold=True)
        lines.append(
            f"  {mark} {ljust(label, title_width)} {points.rjust(6)}  {style(status, fg=COLORS[key])}".rstrip()
        )
        if not check.passed and check.message:
            if check.message == previous_message and not verbose:
                continue
            previous_message = check.message
            for paragraph in check.message.splitlines():
                if paragraph.startswith("  "):  # preformatted (e.g. a side-by-side layer table)
                    lines.append("      " + paragraph)
                    continue
                lines.extend(wrap(paragraph, width - 6, initial_indent="      ", subsequent_indent="      ") or [""])
            if verbose and check.details:
                lines.extend("      " + style(line, fg="bright_black") for line in check.details.rstrip().splitlines())
    lines.append("")
    if result.error:
        lines.append(style(catalogue.render("report.internal_error") + ":", fg="magenta", bold=True))
        lines.extend("  " + line for line in result.error.rstrip().splitlines()[-12:])
        lines.append("")
    lines.append(
        style(
            f"{catalogue.render('report.score')}: {result.score}/{result.max_score} ({result.percent:.0f}%)", bold=True
        )
    )
    failure = result.hint_check and for_learner(result.hint_check, catalogue)  # the hint of a check about an answer
    if result.first_failure is None and result.checks and not result.error:
        lines.append(style(catalogue.render("report.all_passed"), fg="green"))
    elif failure is not None and failure.hints:
        shown = failure.hints if verbose else failure.hints[:1]
        lines.append("")
        for index, hint in enumerate(shown):
            prefix = f"{catalogue.render('report.hint')} ({failure.title})" if index == 0 else " " * 2
            lines.extend(
                wrap(
                    f"{prefix}: {hint}" if index == 0 else hint,
                    width,
                    subsequent_indent="  ",
                    initial_indent="" if index == 0 else "  ",
                )
            )
        if len(failure.hints) > 1 and not verbose:
            more = wrap(catalogue.render("report.more_hints", exercise=result.exercise), width)
            lines.extend(style(line, fg="bright_black") for line in more)
    if result.output:
        lines.extend(_output_section(result, catalogue, verbose, style, width))
    if verbose and result.sandbox:
        lines.append(style(_sandbox_line(result.sandbox, catalogue), fg="bright_black"))
    return "\n".join(lines) + "\n"


def _sandbox_line(layers: dict[str, bool], catalogue: Catalogue) -> str:
    def named(name: str) -> str:  # the layer's name in the reader's language (the worker reports English ids)
        found = catalogue.lookup(f"sandbox_layer.{name}")
        return found if isinstance(found, str) else name

    on = ", ".join(named(name) for name, active in layers.items() if active) or "-"
    off = ", ".join(named(name) for name, active in layers.items() if not active) or "-"
    return catalogue.render("report.sandbox", active=on, missing=off)


def _output_section(
    result: ExerciseResult, catalogue: Catalogue, verbose: bool, style: Styler, width: int = WIDTH
) -> list[str]:
    limit = 200 if verbose else 10
    printed = result.output.rstrip().splitlines()
    lines = ["", style(catalogue.render("report.output", lines=min(limit, len(printed))), fg="bright_black")]
    lines.extend("  │ " + clip(line, width - 4, ellipsis="") for line in printed[:limit])
    hidden = result.output_truncated + sum(len(line) + 1 for line in printed[limit:])
    if hidden:
        lines.append("  │ " + catalogue.render("report.output_truncated", more=hidden))
    return lines


def render_summary(
    run: RunResult, *, style: Styler = plain, ascii_only: bool = False, catalogue: Catalogue | None = None
) -> str:
    """One line per exercise and the total (``grade all``)."""
    catalogue = catalogue or catalogue_for(None)
    marks = ASCII_MARKS if ascii_only else MARKS
    rows = []
    for exercise in run.exercises:
        if exercise.error:
            key = "error"
        elif exercise.passed:
            key = "passed"
        else:
            key = "failed" if exercise.score else "not_attempted"
        mark, color = marks[key], "magenta" if key == "error" else COLORS[key]
        rows.append(
            f"  {style(mark, fg=color, bold=True)} {exercise.exercise}  {exercise.slug.ljust(22)} "
            f"{f'{exercise.score}/{exercise.max_score}'.rjust(7)}  {exercise.duration_s:5.1f}s"
        )
    total = style(f"{catalogue.render('report.score')}: {run.score}/{run.max_score} ({run.percent:.0f}%)", bold=True)
    return "\n".join(rows + ["", total]) + "\n"


def render(run: RunResult, context: WriteContext) -> str:
    """One exercise's report, or a whole run's summary."""
    style, catalogue = context.style, context.catalogue
    if not context.whole_run and len(run.exercises) == 1:
        return render_text(
            run.exercises[0],
            verbose=context.verbose,
            style=style,
            ascii_only=context.ascii_only,
            catalogue=catalogue,
            width=context.width,
        )
    return render_summary(run, style=style, ascii_only=context.ascii_only, catalogue=catalogue)


def progress(result: ExerciseResult, context: WriteContext) -> str:
    """In a whole run with ``--verbose``, each exercise's full report as it finishes."""
    if not (context.whole_run and context.verbose):
        return ""
    report = render_text(
        result,
        verbose=True,
        style=context.style,
        ascii_only=context.ascii_only,
        catalogue=context.catalogue,
        width=context.width,
    )
    return report + "\n"


WRITER = Writer(name="text", help="a report for people", render=render, progress=progress, medium=CI_LOG)
