"""The ``grade`` command: a thin Click shell over the grading library.

Exit codes: 0 every check passed (or the score reached ``--fail-under``),
1 below that, 2 usage error (unknown exercise, missing file), 3 the grader
itself failed.
"""

from __future__ import annotations

import functools
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader.messages import catalogue_for
from grader.registry import Exercise, UnknownExercise, all_exercises, find_exercise

if TYPE_CHECKING:  # the engine imports pytest: loaded only when a command grades
    from grader.engine import GradeOptions

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class ExerciseGroup(click.Group):
    """``grade EXERCISE`` is short for ``grade check EXERCISE``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _exercise_arg(ctx: click.Context, param: click.Parameter, value: str) -> Exercise:
    try:
        return find_exercise(value)
    except UnknownExercise:
        catalogue = catalogue_for(None)
        lines = [catalogue.render("cli.unknown_exercise", name=value)]
        lines += [f"  {e.id}  {e.slug}" for e in all_exercises()]
        click.echo("\n".join(lines), err=True)
        ctx.exit(EXIT_USAGE)


def _styler(fmt: str) -> Any:
    if fmt == "text" and sys.stdout.isatty():
        return click.style
    return lambda text, **_: text


def _ascii_only() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    try:
        "✓✗⏱·│…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def _exit_code(passed: bool, percent: float, internal: bool, fail_under: float | None) -> int:
    if internal:
        return EXIT_INTERNAL
    if passed or (fail_under is not None and percent >= fail_under):
        return EXIT_OK
    return EXIT_BELOW


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report for people (text) or tools (json).",
)
workspace_option = click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with your exercise files (default: ./exercises if it exists, else .).",
)
solutions_option = click.option(
    "--solutions", is_flag=True, help="Grade the reference solutions instead of your files."
)
fail_under_option = click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 0 when the score is at least this percentage.",
)
verbose_option = click.option(
    "--verbose", "-v", is_flag=True, help="Show tracebacks, every hint and more of your output."
)
seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the checks' random inputs (same seed, same score)."
)


timeout_option = click.option(
    "--timeout",
    "call_timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds one call of a learner function may take (default: per exercise).",
)
load_timeout_option = click.option(
    "--load-timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds the learner's file may take to import (default: per exercise).",
)


def grading_options(function: Any) -> Any:
    """The options ``grade EXERCISE`` and ``grade all`` share, in the order ``--help`` lists them.

    ``--seed``, ``--timeout`` and ``--load-timeout`` reach the command as one
    ``options`` argument, the engine's :class:`~grader.engine.GradeOptions`.
    """

    @functools.wraps(function)
    def command(*args: Any, seed: int, call_timeout: float | None, load_timeout: float | None, **kwargs: Any) -> Any:
        from grader.engine import GradeOptions

        return function(
            *args, options=GradeOptions(seed=seed, call_timeout=call_timeout, load_timeout=load_timeout), **kwargs
        )

    shared = (
        workspace_option,
        format_option,
        solutions_option,
        verbose_option,
        fail_under_option,
        seed_option,
        timeout_option,
        load_timeout_option,
    )
    for option in reversed(shared):
        command = option(command)
    return command


@click.group(cls=ExerciseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kerasdrill")
def main() -> None:
    """Grade your kerasdrill exercises with hidden checks.

    \b
      grade exercise-05          grade one exercise (also: 05, 5, cnn-shapes)
      grade list                 every exercise and your last score
      grade all                  grade everything, one summary table
      grade init DIR             write a fresh set of exercise files into DIR
    """


@main.command("check")
@click.argument("exercise", callback=_exercise_arg, metavar="EXERCISE")
@click.option(
    "--submission", type=click.Path(path_type=Path), default=None, help="Grade this file instead of the workspace's."
)
@grading_options
def check_command(
    exercise: Exercise,
    submission: Path | None,
    workspace: Path | None,
    fmt: str,
    solutions: bool,
    verbose: bool,
    fail_under: float | None,
    options: GradeOptions,
) -> None:
    """Grade one EXERCISE (exercise-05, 05, 5 or cnn-shapes)."""
    from grader.engine import grade_exercise
    from grader.progress import record_progress
    from grader.report import render_json, render_text
    from grader.submissions import SubmissionNotFound, locate_submission

    try:
        found = locate_submission(exercise, workspace=workspace, path=submission, solutions=solutions)
    except SubmissionNotFound as missing:
        paths = ", ".join(str(p) for p in missing.looked_in)
        click.echo(catalogue_for(None).render("cli.no_submission", exercise=exercise.id, paths=paths), err=True)
        sys.exit(EXIT_USAGE)
    result = grade_exercise(exercise, found, options)
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    else:
        click.echo(render_text(result, verbose=verbose, style=_styler(fmt), ascii_only=_ascii_only()), nl=False)
    if not solutions and submission is None:
        record_progress(result, workspace)
    sys.exit(_exit_code(result.passed, result.percent, result.internal_error, fail_under))


@main.command("all")
@grading_options
def all_command(
    workspace: Path | None,
    fmt: str,
    solutions: bool,
    verbose: bool,
    fail_under: float | None,
    options: GradeOptions,
) -> None:
    """Grade every exercise and print one summary table."""
    from grader.engine import grade_exercises
    from grader.progress import record_progress
    from grader.report import render_json, render_summary, render_text
    from grader.submissions import SubmissionNotFound, locate_submission

    items = []
    for exercise in all_exercises():
        try:
            items.append((exercise, locate_submission(exercise, workspace=workspace, solutions=solutions)))
        except SubmissionNotFound:
            items.append((exercise, None))

    style = _styler(fmt)

    def show(result: Any) -> None:
        if fmt == "text" and verbose:
            click.echo(render_text(result, verbose=True, style=style, ascii_only=_ascii_only()))
        if not solutions and result.submission:
            record_progress(result, workspace)

    run = grade_exercises(items, options, on_result=show)
    if fmt == "json":
        click.echo(render_json(run), nl=False)
    else:
        click.echo(render_summary(run, style=style), nl=False)
    sys.exit(_exit_code(run.passed, run.percent, run.internal_error, fail_under))


@main.command("list")
@workspace_option
@format_option
def list_command(workspace: Path | None, fmt: str) -> None:
    """List every exercise with its id, slug, title and your last score."""
    import json

    from grader.progress import load_progress

    progress = load_progress(workspace)
    rows = []
    for exercise in all_exercises():
        last = progress.get(exercise.id)
        rows.append(
            {
                "exercise": exercise.id,
                "slug": exercise.slug,
                "title": catalogue_for(exercise).title(),
                "needs_tf": exercise.needs_tf,
                "last_score": last.get("score") if last else None,
                "last_max_score": last.get("max_score") if last else None,
            }
        )
    if fmt == "json":
        click.echo(json.dumps({"exercises": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        last = f"{row['last_score']}/{row['last_max_score']}" if row["last_score"] is not None else "-"
        click.echo(f"  {row['exercise']}  {row['slug'].ljust(22)} {row['title'][:40].ljust(40)} {last.rjust(7)}")


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite exercise files that already exist.")
def init_command(directory: Path, force: bool) -> None:
    """Write a fresh learner workspace (the exercise stubs) into DIRECTORY/exercises."""
    from grader.content import stubs_dir

    catalogue = catalogue_for(None)
    target = directory / "exercises"
    target.mkdir(parents=True, exist_ok=True)
    written = kept = 0
    for exercise in all_exercises():
        source = stubs_dir() / exercise.file_name
        destination = target / exercise.file_name
        if destination.exists() and not force:
            kept += 1
            continue
        shutil.copyfile(source, destination)
        written += 1
    click.echo(catalogue.render("cli.init_done", count=written, path=target, workspace=directory))
    if kept:
        click.echo(catalogue.render("cli.init_skipped", count=kept))


if __name__ == "__main__":  # pragma: no cover
    main()
