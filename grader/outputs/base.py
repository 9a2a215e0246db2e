"""What every writer is: a name, a one-line help, and a function from a run's results to text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from grader.messages import Catalogue, catalogue_for
from grader.outputs.sanitize import Medium, sanitized
from grader.results import CheckResult, ClassResult, ExerciseResult, LearnerResult, RunResult


def plain(text: str, **_: Any) -> str:
    """A styler that adds no colour."""
    return text


def encodable(text: str) -> str:
    """``text`` that any UTF-8 file or terminal accepts: a lone surrogate (from a learner's string or an
    undecodable file name) becomes ``\\udcxx`` instead of a UnicodeEncodeError at the last moment."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def for_learner(check: CheckResult, catalogue: Catalogue) -> CheckResult:
    """``check`` as the learner may see it. A hidden check (an instructor's private one) keeps its
    title, status and points; its message, hints and details, which may hold its expected values,
    stay in the instructor's outputs (results.json, JUnit, checks.csv)."""
    if check.visibility != "hidden":
        return check
    message = "" if check.passed else catalogue.render("report.hidden_check")
    return replace(check, message=message, params={}, details="", hints=[])


@dataclass(frozen=True)
class WriteContext:
    """How to write: for one exercise or a whole run, in which language, with colour or not."""

    whole_run: bool = False  # grade all (a summary), not grade EXERCISE (one report)
    verbose: bool = False
    style: Callable[..., str] = plain
    ascii_only: bool = False
    catalogue: Catalogue = field(default_factory=lambda: catalogue_for(None))
    width: int = 88  # the text report's columns: the terminal's when printing to one
    roster: Any = None  # grade batch --roster: an outputs.lms.Roster, for the LMS gradebook writers


@dataclass(frozen=True)
class Writer:
    """One output format.

    ``render(run, context)`` is the whole output, written once the run ends (or is
    interrupted: the engine writes what it has). ``progress(result, context)`` is
    optional text to stream as each exercise finishes (``""`` for none).
    ``render_class(result, context)``, for writers a batch can use, is a whole class's
    output, written to ``filename`` in the batch's outputs folder.

    ``medium`` (:mod:`grader.outputs.sanitize`) is where the output is read: a writer must name one.
    The functions given are wrapped here, so that they receive results whose every string is already
    safe for that medium (learner ids, paths, messages, printed output, notes, sandbox layer names) and
    their output is finished for it: a writer cannot forget to escape learner text.
    """

    name: str
    help: str
    render: Callable[[RunResult, WriteContext], str]
    progress: Callable[[ExerciseResult, WriteContext], str] | None = None
    render_class: Callable[[ClassResult, WriteContext], str] | None = None
    filename: str = ""
    medium: Medium | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.medium, Medium):
            raise TypeError(f"writer {self.name!r} names no medium (grader.outputs.sanitize)")
        for name in ("render", "progress", "render_class"):
            function = getattr(self, name)
            if function is not None:
                object.__setattr__(self, name, _through(function, self.medium))


def _through(function: Callable[[Any, WriteContext], str], medium: Medium) -> Callable[[Any, WriteContext], str]:
    """``function`` given results safe for ``medium``, its output finished for it."""

    def safe(results: Any, context: WriteContext) -> str:
        return medium.finish(function(sanitized(results, medium), context))

    safe.__wrapped__ = function  # type: ignore[attr-defined]
    safe.__doc__ = function.__doc__
    return safe


def class_of_one(run: RunResult, learner: str = "") -> ClassResult:
    """One learner's run as a class of one, so a class writer also renders ``grade all``."""
    return ClassResult(
        learners=[LearnerResult(learner, run)],
        exercises=[e.exercise for e in run.exercises],
        max_points={e.exercise: e.max_score for e in run.exercises},
        duration_s=run.duration_s,
        complete=run.complete,
    )


def class_writer(
    name: str,
    help: str,
    render_class: Callable[[ClassResult, WriteContext], str],
    filename: str,
    medium: Medium,
) -> Writer:
    """A writer of a whole class's file; one learner's run (``grade all --format NAME``) is a class of one."""
    return Writer(
        name=name,
        help=help,
        render=lambda run, context: render_class(class_of_one(run), context),
        render_class=render_class,
        filename=filename,
        medium=medium,
    )
