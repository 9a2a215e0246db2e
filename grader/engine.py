"""Grade one submission for one exercise: worker + hidden checks -> ExerciseResult.

This process never imports the learner's code: the checks run here, under
pytest, and talk to a :class:`~grader.sandbox.client.WorkerClient` that runs the
submission in another process. The worker starts first, so its imports overlap
with pytest's start-up and collection.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.checking.declaration import fail_closed, unattempted_result, unreadable_result
from grader.checking.plugin import CheckCollector
from grader.checking.runner import run_checks
from grader.content import solutions_dir, stubs_dir
from grader.messages import catalogue_for
from grader.notebooks import stale_note
from grader.registry import EXERCISES_DIR, Exercise, active_roots
from grader.results import CheckResult, ExerciseResult, RunResult
from grader.sandbox.client import WorkerClient
from grader.sandbox.environment import quiet_tensorflow
from grader.sandbox.limits import WorkerLimits
from grader.sandbox.session import remove_tree
from grader.submissions import PreparedSource, Submission, UnreadableSubmission


@dataclass
class GradeOptions:
    """Knobs for one grading run (all have sensible defaults)."""

    language: str = "en"
    seed: int = 0
    limits: WorkerLimits = field(default_factory=WorkerLimits)
    call_timeout: float | None = None  # None: the exercise's own
    load_timeout: float | None = None
    keep_session: bool = False
    warm_tensorflow: bool = True  # model exercises fork their worker from a process with Keras imported
    warm_numpy: bool = False  # plain-data exercises too, from one with numpy (a batch: many workers, one server)
    hidden: tuple[str, ...] = ()  # more folders the worker must not see (a batch: the class, the outputs)
    run_all: bool = False  # a notebook's top-level code runs too (default: definitions and constants only)
    extra_checks: tuple[str, ...] = ()  # instructor check folders (registry.use_extra_checks), for batch processes
    extra_visibility: str = "hidden"


def hidden_from_worker(exercise: Exercise, submission: Submission, extra: Iterable[str] = ()) -> list[str]:
    """What the worker's view leaves empty: every check folder, the reference solutions, the stubs,
    the folder the learner's file came from (it was copied into the session folder), and ``extra``."""
    folders = [str(source.directory) for source in exercise.sources]
    folders += [str(root.path) for root in active_roots()]  # an instructor folder's other exercises too
    folders += [str(exercise.root.path), str(EXERCISES_DIR), str(solutions_dir()), str(stubs_dir())]
    folders.append(str(Path(submission.path).resolve().parent))
    folders += [str(Path(folder).resolve()) for folder in extra]
    return list(dict.fromkeys(folders))


class _Session:
    """One submission's temp folder and worker, started before its checks run."""

    def __init__(self, exercise: Exercise, submission: Submission, options: GradeOptions) -> None:
        self.exercise = exercise
        self.submission = submission
        self.options = options
        self.started = time.perf_counter()
        self.dir = tempfile.mkdtemp(prefix=f"kerasdrill-{exercise.number:02d}-")
        self.client: WorkerClient | None = None
        self.prepared: PreparedSource | None = None
        self.error = ""
        self.unreadable = ""  # the loader's reason, when the learner's file could not be read at all
        try:
            self.prepared = submission.prepare(self.dir, run_all=options.run_all)
            stale = stale_note(exercise, self.prepared.made_for)
            if stale is not None:
                self.prepared.notes.insert(0, stale)
            self.client = WorkerClient(
                self.prepared.path,
                self.dir,
                module_name=exercise.module_name,
                limits=options.limits,
                load_timeout=options.load_timeout or exercise.load_timeout,
                warm_tensorflow=exercise.needs_tf and options.warm_tensorflow,
                warm_numpy=not exercise.needs_tf and options.warm_numpy,
                hidden=hidden_from_worker(exercise, submission, options.hidden),
            )
            self.client.start()  # the worker imports the submission while pytest starts here
        except UnreadableSubmission as exc:
            self.unreadable = exc.reason
        except Exception:
            self.error = traceback.format_exc()[-4000:]

    def grade(self) -> ExerciseResult:
        self.started = time.perf_counter()  # a pre-started worker's head start is not this exercise's time
        exercise, options = self.exercise, self.options
        catalogue = catalogue_for(exercise, options.language)
        result = ExerciseResult(
            exercise=exercise.id, slug=exercise.slug, title=catalogue.title(), submission=str(self.submission.path)
        )
        try:
            if self.unreadable:
                path = str(self.submission.path)
                result.checks = unreadable_result(exercise, path, self.unreadable, options.language)
                return result
            if self.error or self.client is None:
                result.error = self.error or "the worker did not start"
                return result
            collector = CheckCollector(
                exercise=exercise,
                client=self.client,
                language=options.language,
                call_timeout=options.call_timeout or exercise.call_timeout,
                base_seed=options.seed,
            )
            exit_code = run_checks(exercise, collector)
            result.checks = collector.ordered_results()
            if collector.collection_errors or (exit_code not in (0, 1) and not result.checks):
                result.error = "could not collect the checks: " + "\n".join(collector.collection_errors)[-2000:]
        except Exception:
            result.error = traceback.format_exc()[-4000:]
        finally:
            try:  # nothing the learner left behind may keep this result from being returned
                self.close()
                result.output, result.output_truncated = self.client.captured_output() if self.client else ("", 0)
                result.sandbox = self.client.sandbox_layers() if self.client else {}
            except Exception:  # noqa: BLE001
                result.error = result.error or traceback.format_exc()[-4000:]
            if not options.keep_session:
                remove_tree(self.dir)
            result.duration_s = time.perf_counter() - self.started
            fail_closed(result, exercise, options.language)  # every declared check, each within its points
            if self.prepared is not None:
                result.notes = [dict(note) for note in self.prepared.notes]
                result.checks = [self._in_learner_terms(check) for check in result.checks]
        return result

    def _in_learner_terms(self, check: CheckResult) -> CheckResult:
        """A notebook's check with "line N" of the generated module told as the learner's cell and line."""
        prepared = self.prepared
        if prepared is None or not prepared.line_map:
            return check
        return replace(
            check,
            message=prepared.in_learner_terms(check.message),
            details=prepared.in_learner_terms(check.details),
            params=prepared.in_learner_terms(check.params),
        )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def grade_exercise(exercise: Exercise, submission: Submission, options: GradeOptions | None = None) -> ExerciseResult:
    """Run ``exercise``'s hidden checks against ``submission`` and return the result.

    Never raises for anything the submission does; a fault of the grader itself
    is reported in ``result.error`` (and makes ``result.internal_error`` true).
    """
    quiet_tensorflow()  # before any check imports TensorFlow
    return _Session(exercise, submission, options or GradeOptions()).grade()


def grade_exercises(
    items: Iterable[tuple[Exercise, Submission | None]],
    options: GradeOptions | None = None,
    on_result: Callable[[ExerciseResult], None] | None = None,
) -> RunResult:
    """Grade several exercises one after another. ``None`` as submission means "no file".

    The next submission's worker is started while the current one's checks
    run, so its imports (TensorFlow: ~4 s) overlap with useful work; the checks
    all run in this process, which imports TensorFlow at most once.
    """
    quiet_tensorflow()  # before any check imports TensorFlow
    options = options or GradeOptions()
    pending = list(items)
    run = RunResult()
    started = time.perf_counter()
    sessions: dict[int, _Session] = {}

    def prepare(index: int) -> None:
        if index < len(pending) and index not in sessions and pending[index][1] is not None:
            sessions[index] = _Session(pending[index][0], pending[index][1], options)  # type: ignore[arg-type]

    try:
        for index, (exercise, submission) in enumerate(pending):
            prepare(index)
            prepare(index + 1)
            if submission is None:
                exercise_result = missing_submission_result(exercise, options.language)
            else:
                exercise_result = sessions.pop(index).grade()
            run.exercises.append(exercise_result)
            if on_result is not None:
                on_result(exercise_result)
    finally:
        for session in sessions.values():
            session.close()
            remove_tree(session.dir)
    run.duration_s = time.perf_counter() - started
    return run


def missing_submission_result(exercise: Exercise, language: str = "en") -> ExerciseResult:
    """A zero result for an exercise with no file (its checks listed, so max_score is honest)."""
    return unattempted_result(exercise, language)
