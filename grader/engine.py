"""Grade one submission for one exercise: worker + hidden checks -> ExerciseResult.

This process never imports the learner's code: the checks run here, under
pytest, and talk to a :class:`~grader.sandbox.client.WorkerClient` that runs the
submission in another process. The worker starts first, so its imports overlap
with pytest's start-up and collection.

With ``GradeOptions.plot_dir`` (``--plot``), what the checks trained is recorded
(:class:`~grader.checking.trainer.TrainingRecorder`) and, once the verdict is final,
trained again with validation data beside the reference solution's, and drawn
(:mod:`grader.outputs.learning_curve`); the plot never changes a score.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import grader
from grader.checking import trainer
from grader.checking.declaration import fail_closed, unattempted_result, unreadable_result
from grader.checking.plugin import CheckCollector, check_seed
from grader.checking.runner import run_checks
from grader.content import solutions_dir, stubs_dir
from grader.messages import catalogue_for, message_ref
from grader.notebooks import stale_note
from grader.registry import EXERCISES_DIR, Exercise, active_roots, extra_roots
from grader.results import CheckResult, ExerciseResult, RunResult
from grader.sandbox import forkserver
from grader.sandbox.client import Learner, WorkerClient
from grader.sandbox.environment import quiet_tensorflow
from grader.sandbox.limits import WorkerLimits
from grader.sandbox.protocol import printable
from grader.sandbox.session import new_session, private_temp_files, remove_tree
from grader.submissions import PreparedSource, Submission, UnreadableSubmission, feedback
from grader.warm.session import ForkedSession, request_for


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
    # model exercises' checks run in a child forked from that warm server (grader.warm), so this process never
    # imports TensorFlow; False: they run here (the child itself, and callers that need them in-process)
    fork_checks: bool = True
    hidden: tuple[str, ...] = ()  # more folders the worker must not see (a batch: the class, the outputs)
    run_all: bool = False  # a notebook's top-level code runs too (default: definitions and constants only)
    extra_checks: tuple[str, ...] = ()  # instructor check folders (registry.use_extra_checks), for batch processes
    extra_visibility: str = "hidden"
    # --plot: learning curves of what the checks train, written as <plot_dir>/exercise_NN.png and .svg (the
    # reference solution's curves cached in <plot_dir>/.reference/); None: no plot, nothing recorded
    plot_dir: str | None = None


def hidden_from_worker(exercise: Exercise, submission: Submission, extra: Iterable[str] = ()) -> list[str]:
    """What the worker's view leaves empty: every check folder, the reference solutions, the stubs,
    the folder the learner's file came from (it was copied into the session folder), and ``extra``."""
    folders = [str(source.directory) for source in exercise.sources]
    folders += [str(root.path) for root in active_roots()]  # an instructor folder's other exercises too
    folders += [str(exercise.root.path), str(EXERCISES_DIR), str(solutions_dir()), str(stubs_dir())]
    folders.append(str(Path(submission.path).resolve().parent))
    folders += [str(Path(folder).resolve()) for folder in extra]
    return list(dict.fromkeys(folders))


class ExerciseSession:
    """One submission's temp folder and worker, started before its checks run (:func:`start_exercise`).

    Its worker imports the submission from the start; :meth:`ready` says when that is over,
    so a caller holding several (a batch's grading process) can grade whichever is ready first.
    """

    def __init__(
        self,
        exercise: Exercise,
        submission: Submission,
        options: GradeOptions,
        recorder: trainer.TrainingRecorder | None = None,
    ) -> None:
        self.exercise = exercise
        self.submission = submission
        self.options = options
        if recorder is None and options.plot_dir:
            recorder = trainer.TrainingRecorder()  # --plot: keep what the checks train
        self.recorder = recorder
        self.recipe_failure: dict | None = None  # why the exercise's plot recipe gave no model (a message ref)
        self.started = time.perf_counter()
        self.dir = new_session(f"kerasdrill-{exercise.number:02d}-")
        self.client: WorkerClient | None = None
        self.prepared: PreparedSource | None = None
        self.module_source = ""
        self.error = ""
        self.unreadable: UnreadableSubmission | None = None  # why the learner's file could not be read at all
        try:
            self.prepared = submission.prepare(self.dir, run_all=options.run_all)
            # what the worker will import, read before it starts: the worker can rewrite its session folder
            self.module_source = self.prepared.path.read_text(encoding="utf-8", errors="replace")
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
                units=self.prepared.units or None,
            )
            self.client.start()  # the worker imports the submission while pytest starts here
        except UnreadableSubmission as exc:
            self.unreadable = exc
        except Exception:
            self.error = traceback.format_exc()[-4000:]

    def ready(self) -> bool:
        """Whether :meth:`grade` would start at once: the submission's import is over, or there is no worker."""
        return self.client is None or self.client.load_finished()

    def load_fd(self) -> int | None:
        """What to ``select`` on to wait until :meth:`ready` may have changed (``None``: poll)."""
        return self.client.load_fd() if self.client is not None else None

    def grade(self) -> ExerciseResult:
        """Run the checks; the worker is stopped and the session folder removed, whatever happens."""
        result = self._grade()
        if self.options.plot_dir and not self.unreadable and not result.error:
            _plot(self, result)  # after the verdict, from what the recorder kept: it never changes a score
            result.duration_s = time.perf_counter() - self.started
        return result

    def _grade(self) -> ExerciseResult:
        self.started = time.perf_counter()  # a pre-started worker's head start is not this exercise's time
        exercise, options = self.exercise, self.options
        catalogue = catalogue_for(exercise, options.language)
        result = ExerciseResult(
            exercise=exercise.id,
            slug=exercise.slug,
            title=catalogue.title(),
            submission=str(self.submission.path),
            language=options.language,
        )
        try:
            if self.unreadable:
                path, why = str(self.submission.path), self.unreadable
                result.checks = unreadable_result(
                    exercise, path, why.reason, options.language, message_id=why.message_id
                )
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
                module_source=self.module_source,
                module_units=self.prepared.units if self.prepared is not None else None,
            )
            recipe = plot_recipe(exercise) if self.recorder is not None else None
            with trainer.recording(self.recorder):
                if self.recorder is not None and self.recorder.record_only and recipe is not None:
                    exit_code = 0  # the reference, asked only what its recipe trains: no checks needed
                else:
                    with private_temp_files():  # a grade stopped mid-check leaves no temp file behind
                        exit_code = run_checks(exercise, collector)
                if recipe is not None and self.recorder is not None and not self.recorder.records:
                    self._run_recipe(recipe)  # the checks trained no model: the exercise's plot recipe does
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
                stopped = self._stopped_cells()
                result.notes = [dict(note) for note in [*self.prepared.notes, *feedback.cell_notes(stopped)]]
                result.checks = [self._in_learner_terms(check, stopped, catalogue) for check in result.checks]
        return result

    def _stopped_cells(self) -> dict[int, tuple[int, str]]:
        """A notebook's cells that stopped while the worker ran them (cell -> line, error)."""
        if self.client is None or self.prepared is None or not self.prepared.units:
            return {}
        try:
            return feedback.stopped_cells(self.prepared, self.client.cell_errors())
        except Exception:  # noqa: BLE001 - a note less, never a result less
            return {}

    def _run_recipe(self, recipe: Callable[..., Any]) -> None:
        """The exercise's ``plot.py``: build the learner's model through the worker and offer it for the plot."""
        seed = check_seed(self.options.seed, self.exercise.id, "plot")
        learner = Learner(self.client, timeout=self.options.call_timeout or self.exercise.call_timeout, seed=seed)
        try:
            recipe(learner, seed)
        except Exception as exc:  # the learner's function raised, timed out or returned no model
            message_id = getattr(exc, "message_id", "")
            params = {k: v for k, v in (getattr(exc, "params", None) or {}).items() if k != "traceback"}
            if message_id:
                self.recipe_failure = message_ref(message_id, **json.loads(json.dumps(params, default=str)))
            else:
                self.recipe_failure = message_ref("plots.reason_error", error_type=type(exc).__name__, error=str(exc))

    def _in_learner_terms(self, check: CheckResult, stopped: dict, catalogue: Any) -> CheckResult:
        """A notebook's check with "line N" of the generated module told as the learner's cell and line;
        a function not found explained by the notebook's cells, a function that raised with its place."""
        prepared = self.prepared
        if prepared is None or not prepared.line_map:
            return check
        check = replace(
            check,
            message=prepared.in_learner_terms(check.message),
            details=prepared.in_learner_terms(check.details),
            params=prepared.in_learner_terms(check.params),
        )
        explained = None
        if check.message_id == "engine.missing_function":
            explained = feedback.explain_missing(prepared, str(check.params.get("function", "")), stopped)
        elif check.message_id in feedback.RAISED and "place" not in check.params:
            params = dict(check.params)
            place = feedback.place_of(check.details)
            if place is not None:
                params["place"] = place
            if params.get("error_type") == "NameError" and "tip" not in params:
                why = feedback.explain_name_error(prepared, str(params.get("error", "")), stopped)
                if why is not None:
                    params["tip"] = why
            if params != check.params:
                explained = check.message_id, params
        if explained is None:
            return check
        message_id, params = explained
        if check.visibility == "hidden":
            return replace(check, message_id=message_id, params=params)
        return replace(
            check, message_id=message_id, params=params, message=catalogue.render_check_message(message_id, params)
        )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def grade_exercise(exercise: Exercise, submission: Submission, options: GradeOptions | None = None) -> ExerciseResult:
    """Run ``exercise``'s hidden checks against ``submission`` and return the result.

    Never raises for anything the submission does; a fault of the grader itself
    is reported in ``result.error`` (and makes ``result.internal_error`` true).
    """
    return start_exercise(exercise, submission, options).grade()


def start_exercise(exercise: Exercise, submission: Submission, options: GradeOptions | None = None) -> ExerciseSession:
    """Begin grading ``submission``: its file is prepared and its worker starts importing it; nothing
    waits. Hand the session to :func:`grade_exercises` (``started``), or :meth:`~ExerciseSession.close` it."""
    quiet_tensorflow()  # before any check imports TensorFlow
    return _begin(exercise, submission, options or GradeOptions())


def _begin(exercise: Exercise, submission: Submission, options: GradeOptions) -> ExerciseSession | ForkedSession:
    """A session graded here, or, for a model exercise with a warm fork server, in a child forked from it."""
    warm_server = forkserver.shared_server() is not None  # the user's warm grading server: every exercise
    if not (options.fork_checks and (warm_server or exercise.needs_tf and options.warm_tensorflow)):
        return ExerciseSession(exercise, submission, options)
    in_child = replace(options, fork_checks=False)
    request = request_for(exercise, submission, in_child, extra_roots())
    return ForkedSession(exercise, request, lambda: ExerciseSession(exercise, submission, in_child).grade())


def grade_exercises(
    items: Iterable[tuple[Exercise, Submission | None]],
    options: GradeOptions | None = None,
    on_result: Callable[[ExerciseResult], None] | None = None,
    started: dict[int, ExerciseSession] | None = None,
) -> RunResult:
    """Grade several exercises one after another. ``None`` as submission means "no file".

    The next submission's worker is started while the current one's checks
    run, so its imports (TensorFlow: ~4 s) overlap with useful work; the checks
    all run in this process, which imports TensorFlow at most once. ``started``:
    sessions already begun (:func:`start_exercise`, with the same options) by item index;
    they are graded, or closed, here.
    """
    quiet_tensorflow()  # before any check imports TensorFlow
    options = options or GradeOptions()
    pending = list(items)
    run = RunResult()
    began = time.perf_counter()
    sessions: dict[int, ExerciseSession] = dict(started or {})

    def prepare(index: int) -> None:
        if index < len(pending) and index not in sessions and pending[index][1] is not None:
            sessions[index] = _begin(pending[index][0], pending[index][1], options)  # type: ignore[arg-type]

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
            if session.dir is not None:
                remove_tree(session.dir)
    run.duration_s = time.perf_counter() - began
    return run


def missing_submission_result(exercise: Exercise, language: str = "en") -> ExerciseResult:
    """A zero result for an exercise with no file (its checks listed, so max_score is honest)."""
    return unattempted_result(exercise, language)


# ----------------------------------------------------------------------------- learning curves (--plot)

REFERENCE_CACHE = ".reference"  # under the plot folder: the reference solution's curves, one JSON per exercise


def plot_recipe(exercise: Exercise) -> Callable[..., Any] | None:
    """``record(learner, seed)`` from the exercise's ``plot.py``, for an exercise whose checks train no model
    of the learner's; ``None`` if it has none (only a package exercise's own folder is looked in)."""
    home = exercise.sources[0]
    if not home.in_package or not (home.directory / "plot.py").is_file():
        return None
    module = importlib.import_module(f"grader.exercises.{home.directory.name}.plot")
    return getattr(module, "record", None)


def _plot(session: ExerciseSession, result: ExerciseResult) -> None:
    """Draw ``session``'s learning curves beside the reference's; every outcome is a note, never an error."""
    exercise, options = session.exercise, session.options
    try:
        if not exercise.needs_tf:  # plain data: nothing is trained, and nothing may import TensorFlow
            result.notes.append(message_ref("plots.no_training", exercise=exercise.id))
            return
        record = session.recorder.first() if session.recorder is not None else None
        trained = record is not None and not record.failure
        ready = record.curve if trained else None  # a fit the learner's code ran: drawn as it is
        with ThreadPoolExecutor(max_workers=1) as pool:  # the learner's curve while the reference's is found
            pending = pool.submit(trainer.learning_curve, record) if trained and ready is None else None
            reference = _reference_curves(exercise, options, record.key if record is not None else None)
            yours = pending.result() if pending is not None else ready
        if record is None and reference.get("trains") is False:
            result.notes.append(message_ref("plots.no_training", exercise=exercise.id))
            return
        series: dict[str, dict] = {}
        if yours is not None and not yours.failure:
            series["yours"] = {"loss": list(yours.loss), "val_loss": list(yours.val_loss)}
        if reference.get("trains"):
            series["reference"] = {"loss": reference["loss"], "val_loss": reference["val_loss"]}
        if not series:  # neither could be trained: nothing to draw (the checks say why yours was not)
            result.notes.append(message_ref("plots.failed", error_type="reference", error=_reason(reference)))
            return
        if "yours" not in series:
            failed = record if record is not None and record.failure else yours
            reason = _reason(failed) if failed is not None else session.recipe_failure
            result.notes.append(message_ref("plots.learner_not_trained", reason=reason or _reason(None)))
        if "reference" not in series:
            result.notes.append(message_ref("plots.reference_unavailable", reason=_reason(reference)))
        data = record.data.name if record is not None else str(reference.get("data", ""))
        model = printable(record.model_name)[:60] if record is not None else ""
        result.learning_curves = {"series": series, "data": data, "model": model}
        _draw(exercise, options, result)
    except Exception as exc:  # a fault of the plot: the verdict stands
        error = printable(str(exc))[:300]
        result.notes.append(message_ref("plots.failed", error_type=type(exc).__name__, error=error))


def _reason(failed: Any) -> dict:
    """Why a fit gave no curve (a record's graded fit, a CurveOutcome, or a failed reference as a dict), as a
    ``plots.reason_*`` message ref; ``None``: it never got as far as training."""
    get = failed.get if isinstance(failed, dict) else lambda name, default="": getattr(failed, name, default)
    failure = get("failure", "") if failed is not None else ""
    if not failure:
        return message_ref("plots.reason_not_reached")
    if failure in ("out_of_memory", "crashed"):
        return message_ref("plots.reason_memory")
    if failure == "too_slow":
        return message_ref("plots.reason_too_slow")
    error_type, error = str(get("error_type", "") or "Error"), printable(str(get("error", "")))[:300]
    return message_ref("plots.reason_error", error_type=error_type, error=error)


def _draw(exercise: Exercise, options: GradeOptions, result: ExerciseResult) -> None:
    from grader.outputs import learning_curve

    folder = Path(options.plot_dir or ".")
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"exercise_{exercise.number:02d}"
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    curves, data = result.learning_curves["series"], message_ref(f"dataset.{result.learning_curves['data']}")
    params = {"exercise": exercise.id, "data": data, "model": result.learning_curves["model"]}
    labels = learning_curve.labels_for(catalogue_for(exercise, options.language), title=result.title, **params)
    learning_curve.write_svg(curves, svg, labels)
    result.plots = [str(svg)]
    try:
        in_english = catalogue_for(exercise, "en")  # for a PNG with no CJK font: every label, the title too
        english = learning_curve.labels_for(in_english, title=in_english.title(), **params)
        learning_curve.write_png(curves, png, labels, fallback_labels=english)
    except ImportError:  # no matplotlib: the SVG alone (and no PNG left from an earlier run)
        png.unlink(missing_ok=True)
        result.notes.append(message_ref("plots.no_matplotlib", svg=str(svg)))
        return
    result.plots.insert(0, str(png))
    result.notes.append(message_ref("plots.written", path=str(png), svg=str(svg)))


def _reference_curves(exercise: Exercise, options: GradeOptions, key: str | None) -> dict:
    """The reference solution's curves for the fit ``key`` (``None``: its first), from the plot folder's
    cache or by grading the solution with a record-only recorder: ``{"trains": True, "loss": [...],
    "val_loss": [...], "data": name}``; ``{"trains": False}`` when it trains nothing; ``{"failure": ...}``
    when they could not be computed (never cached)."""
    fingerprint = _reference_fingerprint(exercise, options)
    folder = Path(options.plot_dir or ".") / REFERENCE_CACHE
    path = folder / f"exercise_{exercise.number:02d}-{fingerprint}.json"
    cached = _read_json(path)  # in the learner's workspace: read as data, every value checked
    if cached.get("fingerprint") != fingerprint:
        cached = {}
    curves = {k: v for k, v in (cached.get("curves") or {}).items() if _is_curve(v)} if cached else {}
    wanted = key if key is not None else cached.get("first")
    if cached.get("trains") is False:
        return {"trains": False}
    if wanted in curves:
        return curves[wanted]
    solution = solutions_dir() / exercise.file_name
    if not solution.is_file():
        return {"failure": "error", "error_type": "FileNotFoundError", "error": str(solution)}
    recorder = trainer.TrainingRecorder(record_only=True)
    reference_options = replace(options, plot_dir=None, keep_session=False)
    ExerciseSession(exercise, Submission(solution, is_reference=True), reference_options, recorder=recorder).grade()
    record = recorder.matching(key)
    entry: dict[str, Any] = {"fingerprint": fingerprint, "exercise": exercise.id, "trains": record is not None}
    if record is not None:
        outcome = record.curve or trainer.learning_curve(record)
        if outcome.failure:
            return {"failure": outcome.failure, "error_type": outcome.error_type, "error": outcome.error}
        curve = {
            "trains": True,
            "data": record.data.name,
            "loss": list(outcome.loss),
            "val_loss": list(outcome.val_loss),
        }
        entry["curves"] = {**curves, record.key: curve}
        entry["first"] = cached.get("first") or recorder.records[0].key
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"exercise_{exercise.number:02d}-*.json"):  # another seed or grader version
        if stale != path:
            stale.unlink(missing_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(temporary, path)
    return entry["curves"][record.key] if record is not None else {"trains": False}


def _is_curve(value: Any) -> bool:
    """A cached curve as written above: lists of numbers (or ``None``) of one length, and a dataset name."""
    if not isinstance(value, dict) or value.get("trains") is not True or not isinstance(value.get("data"), str):
        return False
    lists = [value.get("loss"), value.get("val_loss")]
    numbers = all(
        isinstance(v, list) and all(x is None or (type(x) in (int, float) and x == x) for x in v) for v in lists
    )
    return numbers and len(lists[0]) == len(lists[1]) > 0


def _reference_fingerprint(exercise: Exercise, options: GradeOptions) -> str:
    """What the reference's curves depend on: the exercise, the seed, the grader's version, and the files
    that decide what is trained and how (checks, plot recipe, solution, trainer, datasets)."""
    digest = hashlib.sha256(f"{exercise.id}:{options.seed}:{grader.__version__}".encode())
    package = Path(grader.__file__).resolve().parent
    files = [source.checks_path for source in exercise.sources]
    files += [exercise.sources[0].directory / "plot.py", solutions_dir() / exercise.file_name]
    files += [package / "checking" / "trainer.py", package / "checking" / "models.py", package / "datasets.py"]
    for path in files:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
