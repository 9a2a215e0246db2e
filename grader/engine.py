"""Grade one submission for one exercise: worker + hidden checks -> ExerciseResult.

This process never imports the learner's code: the checks run here, under
pytest, and talk to a :class:`~grader.client.WorkerClient` that runs the
submission in another process. The worker starts first, so its imports overlap
with pytest's start-up and collection.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from grader.client import QUIET_TF_ENV, WorkerClient
from grader.limits import WorkerLimits
from grader.messages import catalogue_for
from grader.plugin import CheckCollector
from grader.registry import Exercise
from grader.results import CheckResult, ExerciseResult, RunResult
from grader.submission import Submission

MAX_OUTPUT_CHARS = 4000


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


class _Session:
    """One submission's temp folder and worker, started before its checks run."""

    def __init__(self, exercise: Exercise, submission: Submission, options: GradeOptions) -> None:
        self.exercise = exercise
        self.submission = submission
        self.options = options
        self.started = time.perf_counter()
        self.dir = tempfile.mkdtemp(prefix=f"kerasdrill-{exercise.number:02d}-")
        self.client: WorkerClient | None = None
        self.error = ""
        try:
            source = submission.prepare(self.dir)
            self.client = WorkerClient(
                source,
                self.dir,
                module_name=exercise.module_name,
                limits=options.limits,
                load_timeout=options.load_timeout or exercise.load_timeout,
                warm_tensorflow=exercise.needs_tf and options.warm_tensorflow,
            )
            self.client.start()  # the worker imports the submission while pytest starts here
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
            if self.error or self.client is None:
                result.error = self.error or "the worker did not start"
                return result
            collector = CheckCollector(
                exercise_id=exercise.id,
                client=self.client,
                catalogue=catalogue,
                call_timeout=options.call_timeout or exercise.call_timeout,
                base_seed=options.seed,
            )
            exit_code = _run_pytest(exercise, collector)
            result.checks = collector.ordered_results()
            if collector.collection_errors or (exit_code not in (0, 1) and not result.checks):
                result.error = "could not collect the checks: " + "\n".join(collector.collection_errors)[-2000:]
        except Exception:
            result.error = traceback.format_exc()[-4000:]
        finally:
            self.close()
            result.output, result.output_truncated = _read_output(os.path.join(self.dir, "output.txt"))
            if not options.keep_session:
                shutil.rmtree(self.dir, ignore_errors=True)
            result.duration_s = time.perf_counter() - self.started
        return result

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def _quiet_tensorflow() -> None:
    for key, value in QUIET_TF_ENV.items():  # before any check imports TensorFlow
        os.environ.setdefault(key, value)


def grade_exercise(exercise: Exercise, submission: Submission, options: GradeOptions | None = None) -> ExerciseResult:
    """Run ``exercise``'s hidden checks against ``submission`` and return the result.

    Never raises for anything the submission does; a fault of the grader itself
    is reported in ``result.error`` (and makes ``result.internal_error`` true).
    """
    _quiet_tensorflow()
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
    _quiet_tensorflow()
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
            shutil.rmtree(session.dir, ignore_errors=True)
    run.duration_s = time.perf_counter() - started
    return run


def missing_submission_result(exercise: Exercise, language: str = "en") -> ExerciseResult:
    """A zero result for an exercise with no file (its checks listed, so max_score is honest)."""
    catalogue = catalogue_for(exercise, language)
    checks = [
        CheckResult(
            name=name,
            title=catalogue.check_title(name),
            status="failed",
            points=0,
            max_points=points,
            message=catalogue.render("report.no_submission"),
            attempted=False,
        )
        for name, points in list_checks(exercise)
    ]
    return ExerciseResult(
        exercise=exercise.id, slug=exercise.slug, title=catalogue.title(), submission="", checks=checks
    )


def list_checks(exercise: Exercise) -> list[tuple[str, int]]:
    """(name, points) of every check of ``exercise``, by collecting without running."""

    class Lister:
        def __init__(self) -> None:
            self.found: list[tuple[str, int]] = []

        def pytest_configure(self, config):  # noqa: ANN001
            config.addinivalue_line("markers", "check(points, timeout=None): a graded check")

        def pytest_collection_modifyitems(self, items):  # noqa: ANN001
            from grader.plugin import _points, check_name

            self.found = [(check_name(item.name), _points(item)) for item in items]

    lister = Lister()
    with _isolated_pytest():
        import pytest

        pytest.main([*_pytest_args(exercise), "--collect-only"], plugins=[lister])
    return lister.found


def _pytest_args(exercise: Exercise) -> list[str]:
    return [
        str(exercise.checks_path),
        "-c",
        os.devnull,  # never read the learner's or the repo's pytest config
        "--rootdir",
        str(exercise.directory),
        "--confcutdir",
        str(exercise.directory),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "-p",
        "no:legacypath",
        "-W",
        "ignore::DeprecationWarning",
    ]


@contextlib.contextmanager
def _isolated_pytest():
    """No third-party pytest plugins (randomly, xdist, ...) may reorder or reseed the checks."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def _run_pytest(exercise: Exercise, collector: CheckCollector) -> int:
    import pytest

    with _isolated_pytest():
        return int(pytest.main(_pytest_args(exercise), plugins=[collector]))


# TensorFlow's start-up lines and Keras's Keras-2-habit warnings are not the learner's output.
FRAMEWORK_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|I0000 00:00:.*(cudart_stub|port\.cc|cpu_feature_guard)"
    r"|.*UserWarning: Do not pass an `input_shape`/`input_dim` argument to a layer"
    r"|\s+super\(\).__init__\((activity_regularizer=activity_regularizer, )?\*\*kwargs\)"
    r"|.*oneDNN custom operations are on"
    r"|.*To enable the following instructions: .* in other operations, rebuild TensorFlow"
    r"|.*Skipping variable loading for optimizer"
    r"|\s+saveable\.load_own_variables\(weights_store\.get\(inner_path\)\))"
)


def _read_output(path: str) -> tuple[str, int]:
    """The first ``MAX_OUTPUT_CHARS`` of what the learner's code printed, and how much was cut."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(MAX_OUTPUT_CHARS * 4)
    except OSError:
        return "", 0
    text = head.decode("utf-8", errors="replace")
    kept = "".join(line for line in text.splitlines(keepends=True) if not FRAMEWORK_NOISE.match(line))
    shown = kept[:MAX_OUTPUT_CHARS]
    return shown, max(0, size - len(head)) + len(kept) - len(shown)
