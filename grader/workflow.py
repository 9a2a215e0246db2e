"""The one library call behind ``grade EXERCISE`` and ``grade all``: locate, grade, write.

The CLI parses options and calls :func:`grade_and_report`; later front ends
(``watch``, ``batch``) call it too, so each step happens in one place:

1. locate each exercise's submission (:mod:`grader.submissions`);
2. grade them (:func:`grader.engine.grade_exercises`), streaming a writer's
   progress text as each exercise finishes;
3. write the whole result with the chosen writer (:mod:`grader.outputs`), to a
   file in ``finally`` so an interrupted run still leaves what it graded;
4. hand each exercise's result, as it finishes, to the front end's ``on_graded`` (the
   self-study front ends record the learner's progress with it,
   :func:`grader.practice.progress.progress_recorder`; this module knows nothing of that).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from grader.engine import GradeOptions, grade_exercises
from grader.outputs import WRITERS, WriteContext
from grader.outputs.base import encodable
from grader.registry import Exercise
from grader.results import ExerciseResult, RunResult
from grader.submissions import Submission, locate, locate_all

#: Called with each exercise's result and the submission it was graded from, as that exercise finishes.
OnGraded = Callable[[ExerciseResult, Submission | None], None]


def grade_and_report(
    exercises: Sequence[Exercise],
    *,
    whole_run: bool = False,
    workspace: str | os.PathLike | None = None,
    submission: str | os.PathLike | None = None,
    solutions: bool = False,
    options: GradeOptions | None = None,
    fmt: str = "text",
    context: WriteContext | None = None,
    stream: TextIO | None = None,
    output: str | os.PathLike | None = None,
    github_output: bool = False,
    junit_xml: str | os.PathLike | None = None,
    prefer: str | None = None,
    on_graded: OnGraded | None = None,
) -> RunResult:
    """Grade ``exercises`` and write the result in format ``fmt``; return the :class:`RunResult`.

    One exercise without ``whole_run`` is ``grade EXERCISE``: its file must exist
    (:class:`~grader.submissions.SubmissionNotFound` otherwise, before anything runs).
    With ``whole_run`` (``grade all``) an exercise without a file scores 0 and is listed.
    The result goes to ``output`` if given, else to ``stream`` (default: stdout). With
    ``github_output``, Classroom's ``result=<base64>`` line is also appended to ``$GITHUB_OUTPUT``
    (to stderr outside GitHub Actions) and a score table to ``$GITHUB_STEP_SUMMARY`` (if set). With
    ``junit_xml``, the JUnit XML report is also written to that file. ``prefer`` (``"py"`` or
    ``"ipynb"``) picks between an exercise's two files when both exist (default: the newer).
    ``on_graded(result, submission)`` is called as each exercise finishes, after its progress text
    (``grade EXERCISE`` records the learner's progress with it).
    """
    writer = WRITERS[fmt]
    context = replace(context or WriteContext(), whole_run=whole_run)
    stream = stream or sys.stdout
    items: list[tuple[Exercise, Submission | None]]
    if whole_run:
        items = locate_all(exercises, workspace=workspace, path=submission, solutions=solutions, prefer=prefer)
    else:
        items = [
            (e, locate(e, workspace=workspace, path=submission, solutions=solutions, prefer=prefer)) for e in exercises
        ]
    options = options or GradeOptions()
    run = RunResult(complete=False)
    graded_from = {exercise.id: found for exercise, found in items}

    def finished(result: ExerciseResult) -> None:
        run.exercises.append(result)
        if writer.progress is not None:
            _write(stream, writer.progress(result, context))
        if on_graded is not None:
            on_graded(result, graded_from.get(result.exercise))

    try:
        graded = grade_exercises(items, options, on_result=finished)
        run.duration_s, run.complete = graded.duration_s, True
    finally:  # also on Ctrl-C or a fault of ours: what was graded is written, marked incomplete
        text = writer.render(run, context)
        if output is not None:
            Path(output).write_text(encodable(text), encoding="utf-8")
        else:
            _write(stream, text)
        if junit_xml is not None:
            Path(junit_xml).write_text(encodable(WRITERS["junit"].render(run, context)), encoding="utf-8")
        if github_output:
            write_github_output(run, context)
    return run


def write_github_output(run: RunResult, context: WriteContext | None = None) -> None:
    """Append ``result=<base64 Exercism v3 JSON>`` to the file ``$GITHUB_OUTPUT`` names (stderr if unset),
    and the Markdown score table to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it."""
    from grader.outputs.classroom import github_output_line

    line = github_output_line(run, context) + "\n"
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
    else:
        sys.stderr.write(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(encodable(WRITERS["markdown"].render(run, context or WriteContext())))


def _write(stream: TextIO, text: str) -> None:
    if text:
        stream.write(encodable(text))
        stream.flush()


def grade_one(
    exercise: Exercise,
    *,
    workspace: str | os.PathLike | None = None,
    submission: str | os.PathLike | None = None,
    options: GradeOptions | None = None,
    prefer: str | None = None,
    located: Submission | None = None,
    on_graded: OnGraded | None = None,
) -> ExerciseResult:
    """Grade ``exercise``'s file without printing (front ends that show something else first:
    ``grade hint``, ``grade watch``; they record the learner's progress through ``on_graded``, called
    with the result and the submission graded). ``located``: the file the caller already found.
    :class:`~grader.submissions.SubmissionNotFound` if there is no file."""
    options = options or GradeOptions()
    found = located or locate(exercise, workspace=workspace, path=submission, prefer=prefer)
    result = grade_exercises([(exercise, found)], options).exercises[0]
    if on_graded is not None:
        on_graded(result, found)
    return result
