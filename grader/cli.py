"""The ``grade`` command: a thin Click shell over the grading library.

Exit codes: 0 every check passed (or the score reached ``--fail-under``),
1 below that, 2 usage error (unknown exercise, missing file), 3 the grader
itself failed. ``grade batch``: 0 the batch ran (whatever the scores), 1 a
learner is below ``--fail-under``, 2 usage error, 3 the grader failed for a
learner, 130 interrupted (partial outputs written).
"""

from __future__ import annotations

import functools
import gc
import sys
from pathlib import Path
from typing import Any

import click

from grader.messages import LANGUAGES, Catalogue, Localized, catalogue_for, detect_language
from grader.outputs import CLASS_WRITERS, DEFAULT_CLASS_FORMATS, WRITERS
from grader.outputs.sanitize import ci_log
from grader.registry import Exercise, UnknownExercise, all_exercises, find_exercise

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # grade batch stopped by Ctrl-C (its partial outputs are written)


class ExerciseGroup(click.Group):
    """``grade EXERCISE`` is short for ``grade check EXERCISE``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        index = 0
        while index < len(args) and args[index].startswith("-"):  # the group's own options (--lang ko)
            index += 2 if args[index] == "--lang" else 1
        if index < len(args) and args[index] not in self.commands:
            args = [*args[:index], "check", *args[index:]]
        # Eager options act in the order given: the group's --lang goes first, so that
        # `grade --stop-server --lang ko` answers in Korean
        head, tail = args[:index], args[index:]
        for at, arg in enumerate(head):
            if arg.startswith("--lang=") or (arg == "--lang" and at + 1 < len(head)):
                taken = head[at : at + (1 if "=" in arg else 2)]
                head = [*taken, *head[:at], *head[at + len(taken) :]]
                break
        return super().parse_args(ctx, [*head, *tail])

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        if args is not None:  # called with its arguments (a test's CliRunner, a script): leave that process alone
            return super().main(args, *rest, **kwargs)
        try:  # the `grade` program itself (arguments from sys.argv): the process ends with the command
            return super().main(args, *rest, **kwargs)
        finally:
            # Everything alive now lives until exit: out of the cyclic collector's sight, the interpreter's
            # shutdown no longer walks it (~45 ms of a 0.6 s `grade exercise-05`). Objects are still freed.
            gc.freeze()


def _lang_arg(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.meta["kerasdrill.lang"] = value  # meta is shared by the group's and the command's contexts
    return value


lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_lang_arg,
    help="Language of every message (default: $KERASDRILL_LANG, else your locale: ko_KR.UTF-8 gives ko; else en).",
)


def _language() -> str:
    """``--lang`` if given (on the command or before it), else what the environment says."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.meta.get("kerasdrill.lang") if ctx is not None else None
    return chosen or detect_language()


def _catalogue(exercise: Exercise | None = None) -> Catalogue:
    return catalogue_for(exercise, _language())


def _exercise_arg(ctx: click.Context, param: click.Parameter, value: str) -> Exercise:
    try:
        return find_exercise(value)
    except UnknownExercise:
        catalogue = _catalogue()
        lines = [catalogue.render("cli.unknown_exercise", name=value)]
        lines += [f"  {e.id}  {e.slug}" for e in all_exercises()]
        click.echo("\n".join(lines), err=True)
        ctx.exit(EXIT_USAGE)


def _extra_checks_arg(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Both extra-checks options are eager, so the course includes the instructor's checks before
    EXERCISE is looked up; whichever is processed second applies the pair."""
    from grader.registry import RegistryError, use_extra_checks

    ctx.meta[f"kerasdrill.{param.name}"] = value
    folders = ctx.meta.get("kerasdrill.extra_checks", ())
    visibility = ctx.meta.get("kerasdrill.extra_visibility", "hidden")
    try:
        use_extra_checks(folders, visibility)
    except RegistryError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return value


run_all_option = click.option(
    "--run-all",
    is_flag=True,
    help="Run a notebook's top-level code too (default: only its definitions, imports and constants).",
)
prefer_option = click.option(
    "--prefer",
    type=click.Choice(["py", "ipynb"]),
    default=None,
    help="When both exercise_NN_<slug>.py and .ipynb exist, grade this one (default: the newer).",
)
extra_checks_option = click.option(
    "--extra-checks",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    is_eager=True,
    callback=_extra_checks_arg,
    help="Also run the instructor's checks in this folder (laid out like grader/exercises/; repeatable).",
)
extra_visibility_option = click.option(
    "--extra-visibility",
    type=click.Choice(["hidden", "visible"]),
    default="hidden",
    show_default=True,
    is_eager=True,
    callback=_extra_checks_arg,
    help="What learners see of those checks: hidden = only passed/failed and points (full text in "
    "instructor outputs); visible = everything.",
)


def _plain(text: str, **_: Any) -> str:
    return text


def _ascii_only() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    try:
        "✓✗⏱·│…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def _text_context(*, verbose: bool = False, styled: bool | None = None, to_screen: bool = True) -> Any:
    """How text reaches the learner: colour only on a terminal, ASCII marks where the console cannot
    encode ours, the terminal's width (a file or a CI log gets the fixed default)."""
    from grader.outputs import WriteContext
    from grader.outputs.columns import DEFAULT_WIDTH, terminal_width

    if styled is None:
        styled = to_screen and sys.stdout.isatty()
    return WriteContext(
        verbose=verbose,
        style=click.style if styled else _plain,
        ascii_only=_ascii_only() if to_screen else False,
        width=terminal_width() if to_screen else DEFAULT_WIDTH,
        catalogue=_catalogue(),
    )


def _plot_dir(workspace: Path | None) -> str:
    """Where ``--plot`` draws: the workspace's ``.kerasdrill/plots`` (relative when it is the current folder)."""
    from grader.practice.progress import STATE_DIR

    return str((workspace if workspace is not None else Path(".")) / STATE_DIR / "plots")


def _recorder(grading: dict[str, Any], submission: Path | None = None) -> Any:
    """The learner's progress recorder for ``grade EXERCISE`` / ``grade all`` (none for ``--solutions``
    or ``--submission``): the self-study records are the practice front end's, not the workflow's."""
    from grader.practice.progress import progress_recorder

    return progress_recorder(
        grading["workspace"], grading["options"].seed, solutions=grading["solutions"], submission=submission
    )


def _exit_code(passed: bool, percent: float, internal: bool, fail_under: float | None) -> int:
    if internal:
        return EXIT_INTERNAL
    if passed or (fail_under is not None and percent >= fail_under):
        return EXIT_OK
    return EXIT_BELOW


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(list(WRITERS)),
    default="text",
    show_default=True,
    help="Report format: " + "; ".join(f"{name}: {writer.help}" for name, writer in WRITERS.items()) + ".",
)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of the screen (written even if grading is interrupted).",
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
github_output_option = click.option(
    "--github-output",
    is_flag=True,
    help="Also append GitHub Classroom's result= line (base64 Exercism v3) to $GITHUB_OUTPUT, "
    "and a score table to $GITHUB_STEP_SUMMARY.",
)
junit_xml_option = click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a JUnit XML report to this file (for CI test panels).",
)
plot_option = click.option(
    "--plot",
    is_flag=True,
    help="Training exercises (02, 08-12, 16): draw loss and val_loss per epoch, yours beside the reference's, "
    'into .kerasdrill/plots/ (PNG with the plots extra: pip install "kerasdrill[plots]"; SVG always).',
)
seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the checks' random inputs (same seed, same score)."
)


def exercises_option(help: str) -> Any:
    """``-e/--exercise``, repeatable, as ``exercise_names`` (resolved in the body by :func:`_exercises`)."""
    return click.option("--exercise", "-e", "exercise_names", multiple=True, help=help)


def submission_option(help: str) -> Any:
    return click.option("--submission", type=click.Path(path_type=Path), default=None, help=help)


def class_out_option(help: str) -> Any:
    return click.option(
        "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grades"), show_default=True, help=help
    )


class_formats_option = click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(list(CLASS_WRITERS)),
    help=f"Output to write instead of the default set (repeat for more; default: {', '.join(DEFAULT_CLASS_FORMATS)}).",
)
class_fail_under_option = click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 if any learner's score is below this percentage.",
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

    They reach the command as the keyword arguments of
    :func:`~grader.workflow.grade_and_report` (``options`` is the engine's
    :class:`~grader.engine.GradeOptions`, ``context`` the writer's
    :class:`~grader.outputs.WriteContext`), plus ``fail_under`` for the exit code.
    """

    @functools.wraps(function)
    def command(
        *args: Any,
        seed: int,
        call_timeout: float | None,
        load_timeout: float | None,
        verbose: bool,
        fmt: str,
        output: Path | None,
        github_output: bool,
        junit_xml: Path | None,
        run_all: bool,
        extra_checks: tuple[Path, ...],
        extra_visibility: str,
        plot: bool,
        **kwargs: Any,
    ) -> Any:
        from grader.engine import GradeOptions

        options = GradeOptions(
            language=_language(),
            seed=seed,
            call_timeout=call_timeout,
            load_timeout=load_timeout,
            run_all=run_all,
            extra_checks=tuple(map(str, extra_checks)),
            extra_visibility=extra_visibility,
            plot_dir=_plot_dir(kwargs.get("workspace")) if plot else None,
        )
        styled = fmt == "text" and output is None and sys.stdout.isatty()
        context = _text_context(verbose=verbose, styled=styled, to_screen=output is None)
        return function(
            *args,
            options=options,
            context=context,
            fmt=fmt,
            output=output,
            github_output=github_output,
            junit_xml=junit_xml,
            **kwargs,
        )

    shared = (
        workspace_option,
        format_option,
        output_option,
        solutions_option,
        verbose_option,
        fail_under_option,
        seed_option,
        timeout_option,
        load_timeout_option,
        github_output_option,
        junit_xml_option,
        run_all_option,
        prefer_option,
        extra_checks_option,
        extra_visibility_option,
        plot_option,
    )
    for option in reversed(shared):
        command = option(command)
    return command


def _stop_server(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from grader.warm.server import stop_servers

    stopped = stop_servers()
    click.echo(
        _catalogue().render("cli.server_stopped", count=stopped) if stopped else _catalogue().render("cli.no_server")
    )
    ctx.exit(EXIT_OK)


@click.group(cls=ExerciseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kerasdrill")
@click.option(
    "--stop-server",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_stop_server,
    help="Stop your warm grading server (repeated `grade EXERCISE` reuse it; it also ends after 10 idle minutes).",
)
@lang_option
def main() -> None:
    """Grade your kerasdrill exercises with hidden checks.

    \b
      grade exercise-05          grade one exercise (also: 05, 5, cnn-shapes)
      grade list                 every exercise: status, last and best score, what is next
      grade next                 the next exercise: its file and where to start
      grade hint 05 [--level 2]  a hint for the first check you fail (level 2: the key formula)
      grade solution 05          the reference solution, once you have passed
      grade watch [05]           grade again on every save (h hint, n next, l list, q quit)
      grade all                  grade everything, one summary table
      grade init DIR             write a fresh set of exercise files into DIR
      grade notebook 05|all      write exercise notebooks (.ipynb) made from the stubs
      grade export 05            the Python the grader imports from your file (a notebook's cells)
      grade batch CLASS_DIR      grade a whole class (instructors): gradebook.csv and more
      grade merge OUT_DIR...     join the outputs of a class graded in shards (--shard K/N)
      grade report RESULTS       what the class got wrong: a table, or --out report.html
      grade ci github|gradescope write a Classroom/Actions workflow or a Gradescope autograder
    """
    from grader.outputs.console import use_fallbacks
    from grader.sandbox.session import remove_on_termination

    use_fallbacks()  # a cp949 or ASCII console gets ASCII stand-ins, never a UnicodeEncodeError
    remove_on_termination()  # SIGTERM leaves no session folder behind (processes end by themselves)


@main.command("check")
@lang_option
@click.argument("exercise", callback=_exercise_arg, metavar="EXERCISE")
@submission_option("Grade this file (or this folder's file) instead of the workspace's.")
@grading_options
def check_command(exercise: Exercise, submission: Path | None, fail_under: float | None, **grading: Any) -> None:
    """Grade one EXERCISE (exercise-05, 05, 5 or cnn-shapes)."""
    from grader.submissions import SubmissionNotFound
    from grader.warm.server import use_warm_server
    from grader.workflow import grade_and_report

    use_warm_server(wait=exercise.needs_tf)  # repeated `grade EXERCISE` pay no imports (not in CI, not as root)
    try:
        run = grade_and_report([exercise], submission=submission, on_graded=_recorder(grading, submission), **grading)
    except SubmissionNotFound as missing:
        _no_submission(exercise, missing)
    sys.exit(_exit_code(run.passed, run.percent, run.internal_error, fail_under))


@main.command("all")
@lang_option
@exercises_option("Only this exercise (repeat for more; default: every exercise).")
@grading_options
def all_command(exercise_names: tuple[str, ...], fail_under: float | None, **grading: Any) -> None:
    """Grade every exercise (or the chosen ones) and print one summary table."""
    from grader.warm.server import use_warm_server
    from grader.workflow import grade_and_report

    chosen = _exercises(exercise_names) or all_exercises()
    use_warm_server(wait=any(exercise.needs_tf for exercise in chosen))
    run = grade_and_report(chosen, whole_run=True, on_graded=_recorder(grading), **grading)
    sys.exit(_exit_code(run.passed, run.percent, run.internal_error, fail_under))


@main.command("batch")
@lang_option
@click.argument("class_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@exercises_option("Grade this exercise (repeat for more; default: every exercise some learner has a file for).")
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Grading processes in parallel (default: one per CPU, fewer if memory is short).",
)
@class_out_option("Folder for the output files.")
@class_formats_option
@class_fail_under_option
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the results in --out of learners whose files (and the checks) have not changed.",
)
@click.option(
    "--shard",
    callback=lambda ctx, param, value: _shard(value),
    default="1/1",
    metavar="K/N",
    help="Grade only the K-th of N parts of the class (for a CI matrix; join the parts with grade merge).",
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV mapping each learner folder (or GitHub user) to LMS identifiers; needed by --format canvas/moodle.",
)
@click.option(
    "--due",
    default=None,
    metavar="TIME",
    help="Deadline, e.g. 2026-12-01T23:59+09:00: grade each learner's last git commit at or before it.",
)
@click.option(
    "--late-penalty",
    default=None,
    metavar="RULE",
    help="With --due: grade the newest commit and take e.g. 10%/day,max50% (or 5%/hour) off in the LMS files.",
)
@click.option(
    "--compare",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    metavar="OLD",
    help="An earlier results.json (or --out folder): print the learners whose results changed, and why.",
)
@click.option(
    "--similarity",
    is_flag=True,
    help="Find pairs of learners whose files are unusually alike (stub and common code left out) for grade report.",
)
@seed_option
@timeout_option
@load_timeout_option
@run_all_option
@extra_checks_option
@extra_visibility_option
def batch_command(
    class_dir: Path,
    exercise_names: tuple[str, ...],
    workers: int | None,
    out: Path,
    formats: tuple[str, ...],
    fail_under: float | None,
    resume: bool,
    shard: tuple[int, int],
    roster: Path | None,
    due: str | None,
    late_penalty: str | None,
    compare: Path | None,
    similarity: bool,
    seed: int,
    call_timeout: float | None,
    load_timeout: float | None,
    run_all: bool,
    extra_checks: tuple[Path, ...],
    extra_visibility: str,
) -> None:
    """Grade a whole class: each folder of CLASS_DIR is one learner.

    \b
    A learner's folder holds their files (.py or .ipynb), directly or in exercises/;
    gh classroom clone's <assignment>-submissions/ folders are read too. Writes
    gradebook.csv, checks.csv and results.json into --out. Exit codes: 0 the batch
    ran (whatever the scores), 1 a learner is below --fail-under, 2 usage error,
    3 the grader itself failed for a learner, 130 interrupted (partial outputs written).
    """
    from grader.batch.report import DEFAULT_FORMATS, grade_and_write
    from grader.engine import GradeOptions

    exercises = _exercises(exercise_names)
    formats = formats or DEFAULT_FORMATS
    class_roster = _class_roster("batch", formats, roster)
    from grader.batch.deadlines import DeadlineError, LatePenalty, parse_due

    try:
        if late_penalty is not None and due is None:
            raise DeadlineError("instructor.penalty_needs_due")
        due_time = parse_due(due) if due is not None else None
        penalty = LatePenalty.parse(late_penalty) if late_penalty is not None else None
    except DeadlineError as error:
        click.echo(f"grade batch: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    options = GradeOptions(
        language=_language(),
        seed=seed,
        call_timeout=call_timeout,
        load_timeout=load_timeout,
        run_all=run_all,
        extra_checks=tuple(map(str, extra_checks)),
        extra_visibility=extra_visibility,
    )
    graded = grade_and_write(
        class_dir,
        exercises,
        out=out,
        formats=formats,
        workers=workers,
        options=options,
        resume=resume,
        shard=shard,
        roster=class_roster,
        due=due_time,
        late_penalty=penalty,
        compare=compare,
        similarity=similarity,
        context=_text_context(to_screen=False),
    )
    sys.exit(_batch_exit_code(graded, fail_under))


def _shard(value: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: write K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise click.BadParameter(f"{value!r}: K must be between 1 and N")
    return k, n


@main.command("merge")
@lang_option
@click.argument("parts", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@class_out_option("Folder for the merged output files.")
@class_formats_option
@class_fail_under_option
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV mapping each learner folder (or GitHub user) to LMS identifiers; needed by --format canvas/moodle.",
)
def merge_command(
    parts: tuple[Path, ...], out: Path, formats: tuple[str, ...], fail_under: float | None, roster: Path | None
) -> None:
    """Join the --out folders of a class graded in shards (grade batch --shard K/N) into one.

    \b
    The merged gradebook.csv and checks.csv are byte-identical to one unsharded batch.
    Exit codes: 0 merged, 1 a shard or learner is missing (outputs written, marked
    incomplete) or a learner is below --fail-under, 2 the parts do not belong together
    (nothing written), 3 the grader itself failed for a learner.
    """
    from grader.batch.merge import MergeError, merge_and_write
    from grader.batch.report import DEFAULT_FORMATS

    formats = formats or DEFAULT_FORMATS
    class_roster = _class_roster("merge", formats, roster)
    try:
        merged, problems = merge_and_write(
            parts, out, formats, _text_context(to_screen=False), roster=class_roster, stream=sys.stderr
        )
    except MergeError as error:
        click.echo(f"grade merge: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    catalogue = _catalogue()
    for problem in problems:
        click.echo(f"grade merge: {_incomplete(catalogue, problem)}", err=True)
    done = catalogue.render("instructor.merge_done", learners=len(merged.learners), parts=len(parts), out=str(out))
    click.echo(ci_log(done), err=True)
    code = _batch_exit_code(merged, fail_under)
    sys.exit(EXIT_BELOW if code == EXIT_INTERRUPTED else code)


@main.command("report")
@lang_option
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the HTML page here (one self-contained file); without it, a summary table is printed.",
)
def report_command(results: tuple[Path, ...], out: Path | None) -> None:
    """What the class got wrong: from grade batch's results.json (or --out folders, or a class's shards).

    \b
    Two whole-class results (OLD NEW, not shards) are compared instead: per learner
    and per check, what the re-grade changed and why (grader version, checks, seed,
    the learner's file or commit).

    \b
    Per exercise: the spread of scores, the checks by failure rate, the most frequent
    diagnoses with an example each, and who timed out, crashed or did not attempt it.
    Exit codes: 0 written, 1 some learners or shards are missing (written, marked
    incomplete), 2 the results cannot be read or do not belong together.
    """
    from grader.batch.class_report import class_report
    from grader.batch.merge import MergeError
    from grader.batch.regrade import is_regrade, regrade_report
    from grader.outputs.columns import terminal_width

    try:
        if is_regrade(results):
            _, text = regrade_report(results, out=out, language=_language(), width=terminal_width())
            problems = []
        else:
            _, text, problems = class_report(results, out=out, language=_language(), width=terminal_width())
    except MergeError as error:
        click.echo(f"grade report: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    except ImportError as missing:  # the page needs jinja2 (the "report" extra); the table does not
        click.echo(_catalogue().render("class_report.no_jinja2", module=missing.name or "jinja2"), err=True)
        sys.exit(EXIT_USAGE)
    for problem in problems:
        click.echo(f"grade report: {_incomplete(_catalogue(), problem)}", err=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(_catalogue().render("class_report.written", path=out), err=True)
    sys.exit(EXIT_BELOW if problems else EXIT_OK)


def _exercises(names: tuple[str, ...]) -> list[Exercise]:
    """The exercises ``--exercise`` names, in the order given; an unknown name is a usage error."""
    try:
        return [find_exercise(name) for name in names]
    except UnknownExercise as unknown:
        click.echo(_catalogue().render("cli.unknown_exercise", name=unknown.name), err=True)
        sys.exit(EXIT_USAGE)


def _batch_exit_code(graded: Any, fail_under: float | None) -> int:
    if graded.internal_error:
        return EXIT_INTERNAL
    if not graded.complete:
        return EXIT_INTERRUPTED
    if fail_under is not None and graded.max_score:
        if any(100.0 * learner.run.score / graded.max_score < fail_under for learner in graded.learners):
            return EXIT_BELOW
    return EXIT_OK


@main.group("ci")
@lang_option
def ci_group() -> None:
    """Files that let GitHub Actions, GitHub Classroom and Gradescope grade with kerasdrill (instructors)."""


@ci_group.command("github")
@lang_option
@exercises_option("Grade only this exercise (repeat for more; default: every exercise).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The repository to write into (.github/workflows/ and .github/kerasdrill/).",
)
@click.option(
    "--matrix",
    type=click.IntRange(1, 256),
    default=None,
    metavar="N",
    help="Instead of Classroom's workflow, an instructor's: grade --class-dir in N shard jobs, then merge.",
)
@click.option(
    "--class-dir", default="class", show_default=True, help="With --matrix: the class folder in the repository."
)
@click.option(
    "--wheel",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The kerasdrill wheel to ship (default: built from this checkout, else packed from the installed kerasdrill).",
)
def ci_github_command(
    exercise_names: tuple[str, ...], out: Path, matrix: int | None, class_dir: str, wheel: Path | None
) -> None:
    """Write a GitHub Actions workflow: Classroom grading on every push, or (--matrix) a sharded class."""
    from grader.integrations.github import write_workflow
    from grader.integrations.wheel import WheelError

    try:
        written = write_workflow(
            out,
            exercises=_exercises(exercise_names),
            matrix=matrix,
            class_dir=class_dir,
            wheel=wheel,
            language=_language(),
        )
    except WheelError as error:
        click.echo(f"grade ci github: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    catalogue = _catalogue()
    for path in written:
        click.echo(catalogue.render("instructor.wrote", path=str(path)))
    click.echo(catalogue.render("instructor.github_next"))


@ci_group.command("gradescope")
@lang_option
@click.option("--exercise", "-e", "exercise_name", required=True, help="The exercise this autograder grades.")
@click.option(
    "--extra-checks",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The instructor's own checks to include (a folder laid out like grader/exercises/).",
)
@click.option(
    "--extra-visibility",
    type=click.Choice(["hidden", "visible"]),
    default="hidden",
    show_default=True,
    help="What learners see of those checks (hidden: only passed/failed and points).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The zip to write (default: gradescope-EXERCISE.zip).",
)
@click.option(
    "--wheel",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The kerasdrill wheel to ship (default: built from this checkout, else packed from the installed kerasdrill).",
)
def ci_gradescope_command(
    exercise_name: str, extra_checks: Path | None, extra_visibility: str, out: Path | None, wheel: Path | None
) -> None:
    """Write a Gradescope autograder zip (setup.sh and run_autograder at its root) for one exercise."""
    from grader.integrations.gradescope import bundle
    from grader.integrations.wheel import WheelError
    from grader.registry import RegistryError, use_extra_checks

    try:
        use_extra_checks([extra_checks] if extra_checks else [], extra_visibility)  # a broken folder fails here
    except RegistryError as error:
        click.echo(f"grade ci gradescope: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    (exercise,) = _exercises((exercise_name,))
    try:
        path = bundle(
            exercise,
            out or Path(f"gradescope-{exercise.id}.zip"),
            extra_checks=extra_checks,
            visibility=extra_visibility,
            wheel=wheel,
            language=_language(),
        )
    except WheelError as error:
        click.echo(f"grade ci gradescope: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(_catalogue().render("instructor.gradescope_wrote", path=str(path)))


@ci_group.command("run-gradescope")
@lang_option
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Gradescope's folder (default: $KERASDRILL_AUTOGRADER_ROOT or /autograder).",
)
def ci_run_gradescope_command(root: Path | None) -> None:
    """What a bundle's run_autograder calls: grade the submission, write results/results.json."""
    from grader.integrations.gradescope import run_autograder

    run_autograder(root)


@main.command("notebook")
@lang_option
@click.argument("exercise_name", metavar="EXERCISE|all")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into (default: ./exercises if it exists, else .).",
)
@click.option("--force", is_flag=True, help="Overwrite notebooks that already exist.")
def notebook_command(exercise_name: str, out: Path | None, force: bool) -> None:
    """Write EXERCISE's notebook (or every exercise's, with all), made from its .py stub."""
    from grader.notebooks import write_notebooks
    from grader.submissions import workspace_exercises_dir

    chosen = list(all_exercises()) if exercise_name == "all" else _exercises((exercise_name,))
    target = out if out is not None else workspace_exercises_dir(None)
    written, kept = write_notebooks(chosen, target, force=force, language=_language())
    catalogue = _catalogue()
    click.echo(catalogue.render("cli.notebooks_done", count=written, path=target))
    if kept:
        click.echo(catalogue.render("cli.init_skipped", count=kept))


@main.command("export")
@lang_option
@click.argument("exercise", callback=_exercise_arg, metavar="EXERCISE")
@submission_option("The file to export (default: the workspace's file for EXERCISE).")
@workspace_option
@prefer_option
@run_all_option
@output_option
def export_command(
    exercise: Exercise,
    submission: Path | None,
    workspace: Path | None,
    prefer: str | None,
    run_all: bool,
    output: Path | None,
) -> None:
    """Print the Python the grader imports from your EXERCISE file (a notebook's graded cells)."""
    from grader.submissions import SubmissionNotFound, UnreadableSubmission, export_source, locate

    try:
        found = locate(exercise, workspace=workspace, path=submission, prefer=prefer)
        source, notes = export_source(found, run_all=run_all)
    except SubmissionNotFound as missing:
        _no_submission(exercise, missing)
    except UnreadableSubmission as unreadable:
        shown = _catalogue().render(unreadable.message_id, file=found.path.name, error=unreadable.reason)
        click.echo(shown, err=True)
        sys.exit(EXIT_USAGE)
    from grader.outputs.sanitize import CI_LOG, sanitized

    catalogue = _catalogue()
    for note in sanitized(notes, CI_LOG):  # a notebook's !shell line is the learner's text
        click.echo("note: " + catalogue.render(note["$message"], **note["params"]), err=True)
    if output is not None:
        output.write_text(source, encoding="utf-8")
    else:
        click.echo(source, nl=False)


@main.command("list")
@lang_option
@workspace_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(workspace: Path | None, fmt: str) -> None:
    """Every exercise: not started / in progress / passed, your last and best score, and what is next."""
    import json

    from grader.practice.listing import list_text
    from grader.practice.progress import load_progress, progress_rows

    if fmt == "json":
        rows = progress_rows(all_exercises(), workspace, load_progress(workspace), _language())
        click.echo(json.dumps({"exercises": rows}, ensure_ascii=False, indent=2))
        return
    context = _text_context()
    table, notes = list_text(
        workspace, catalogue=context.catalogue, style=context.style, ascii_only=context.ascii_only, width=context.width
    )
    for note in notes:
        click.echo(note, err=True)
    click.echo(table, nl=False)


@main.command("next")
@lang_option
@workspace_option
def next_command(workspace: Path | None) -> None:
    """The next exercise to do (the first not passed): its title, your file and where to start."""
    from grader.practice.listing import render_next
    from grader.practice.progress import next_exercise

    click.echo(render_next(next_exercise(all_exercises(), workspace), workspace, _language()), nl=False)


@main.command("hint")
@lang_option
@click.argument("exercise", callback=_exercise_arg, metavar="EXERCISE")
@click.option(
    "--level",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="1: a nudge; 2: the key formula or API.",
)
@click.option("--check", "check_name", default=None, help="The check to get a hint for (default: the first failing).")
@workspace_option
@prefer_option
@seed_option
def hint_command(
    exercise: Exercise, level: int, check_name: str | None, workspace: Path | None, prefer: str | None, seed: int
) -> None:
    """A hint for the first check EXERCISE fails (graded now unless your file is unchanged since the last run)."""
    from grader.engine import GradeOptions
    from grader.practice.hints import hint_for, latest_result
    from grader.submissions import SubmissionNotFound

    try:
        result, reused = latest_result(
            exercise, workspace=workspace, options=GradeOptions(language=_language(), seed=seed), prefer=prefer
        )
    except SubmissionNotFound as missing:
        _no_submission(exercise, missing)
    answer = hint_for(
        result, exercise, level=level, check_name=check_name, reused=reused, catalogue=_catalogue(exercise)
    )
    click.echo("\n".join(answer.lines))
    sys.exit(EXIT_USAGE if answer.usage_error else EXIT_OK)


@main.command("solution")
@lang_option
@click.argument("exercise", callback=_exercise_arg, metavar="EXERCISE")
@click.option("--force", is_flag=True, help="Show it even though you have not passed the exercise yet.")
@click.option(
    "--write",
    is_flag=True,
    help="Also write it into your exercise file (yours is kept in .kerasdrill/backup/ first).",
)
@workspace_option
def solution_command(exercise: Exercise, force: bool, write: bool, workspace: Path | None) -> None:
    """The reference solution of EXERCISE, once you have passed it (recorded by grade EXERCISE)."""
    from grader.practice.solution import solution_view, write_solution

    catalogue = _catalogue(exercise)
    view = solution_view(exercise, workspace, force=force, catalogue=catalogue)
    click.echo("\n".join(view.lines), err=view.locked)
    if view.source is None:
        sys.exit(EXIT_BELOW)
    click.echo("")
    click.echo(view.source, nl=False)
    if write:
        path, backup = write_solution(exercise, workspace)
        click.echo(catalogue.render("solution.written", path=path), err=True)
        if backup is not None:
            click.echo(catalogue.render("solution.backup", backup=backup), err=True)


@main.command("watch")
@lang_option
@click.argument("exercise_name", required=False, metavar="[EXERCISE]")
@workspace_option
@prefer_option
@seed_option
@timeout_option
@verbose_option
@plot_option
def watch_command(
    exercise_name: str | None,
    workspace: Path | None,
    prefer: str | None,
    seed: int,
    call_timeout: float | None,
    verbose: bool,
    plot: bool,
) -> None:
    """Grade EXERCISE (default: the next one) again each time you save it; h hint, n next, l list, q quit."""
    from grader.engine import GradeOptions
    from grader.practice.progress import next_exercise
    from grader.practice.watch import watch

    if exercise_name is not None:
        (exercise,) = _exercises((exercise_name,))
    else:
        exercise = next_exercise(all_exercises(), workspace) or all_exercises()[0]
    watch(
        exercise,
        workspace=workspace,
        options=GradeOptions(
            language=_language(),
            seed=seed,
            call_timeout=call_timeout,
            plot_dir=_plot_dir(workspace) if plot else None,
        ),
        context=_text_context(verbose=verbose),
        prefer=prefer,
    )


def _no_submission(exercise: Exercise, missing: Any) -> None:
    paths = ", ".join(str(p) for p in missing.looked_in)
    click.echo(_catalogue().render("cli.no_submission", exercise=exercise.id, paths=paths), err=True)
    sys.exit(EXIT_USAGE)


@main.command("init")
@lang_option
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite exercise files that already exist.")
@click.option("--notebooks", is_flag=True, help="Write Jupyter/Colab notebooks (.ipynb) instead of .py files.")
def init_command(directory: Path, force: bool, notebooks: bool) -> None:
    """Write a fresh learner workspace (the exercise stubs) into DIRECTORY/exercises."""
    from grader.content import write_stubs
    from grader.notebooks import write_notebooks

    catalogue = _catalogue()
    target = directory / "exercises"
    if notebooks:
        written, kept = write_notebooks(list(all_exercises()), target, force=force, language=_language())
    else:
        written, kept = write_stubs(list(all_exercises()), target, force=force)
    click.echo(catalogue.render("cli.init_done", count=written, path=target, workspace=directory))
    if kept:
        click.echo(catalogue.render("cli.init_skipped", count=kept))


def _class_roster(command: str, formats, roster):
    """The ``--roster`` read for ``grade batch`` / ``grade merge`` (needed by the LMS formats), or exit 2."""
    from grader.batch.roster import RosterError, read_roster

    lms = [name for name in formats if name in ("canvas", "moodle")]
    try:
        if lms and roster is None:
            raise RosterError("instructor.roster_needed", format=lms[0])
        return read_roster(roster, formats) if roster is not None else None
    except RosterError as error:
        click.echo(f"grade {command}: {_told(error)}", err=True)
        sys.exit(EXIT_USAGE)


def _told(error: Exception) -> str:
    """An instructor-facing error in the chosen language (a :class:`~grader.messages.Localized` one), safe for a
    CI log: its paths and names are the instructor's own, but a learner's folder name may be among them."""
    return ci_log(error.render(_catalogue()) if isinstance(error, Localized) else str(error))


def _incomplete(catalogue: Catalogue, problem: Any) -> str:
    """One reason a merged class is incomplete (a message ref), as ``grade merge`` and ``grade report`` print it."""
    return ci_log(catalogue.render("instructor.incomplete", problem=problem))


if __name__ == "__main__":  # pragma: no cover
    main()
