"""The learner's progress in a workspace: ``<workspace>/.kerasdrill/progress.json``.

Self-study only (``grade list``, ``next``, ``hint``, ``solution``, ``watch``); grading never reads it.
A missing file is no progress yet; a corrupt one is moved aside (``progress.json.corrupt``) and
started afresh, with a note. It is written atomically (a temporary file, then ``os.replace``), so an
interrupted write never leaves half a file. Anything on the learner's machine can edit it: it unlocks
only what the learner could read anyway (the reference solutions ship with the package).

Beside it, ``results/<exercise>.json`` keeps the last result of each exercise with the submission's
sha256 and what graded it, so ``grade hint`` answers without grading again while nothing changed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from grader.messages import MessageRef, message_ref
from grader.registry import Exercise, exercise_version
from grader.results import ExerciseResult

STATE_DIR = Path(".kerasdrill")
PROGRESS_FILE = STATE_DIR / "progress.json"
RESULTS_DIR = STATE_DIR / "results"
SCHEMA = 1

NOT_STARTED, IN_PROGRESS, PASSED = "not_started", "in_progress", "passed"


def workspace_root(workspace: str | os.PathLike | None = None) -> Path:
    """The folder whose ``.kerasdrill/`` holds the progress (default: the current folder)."""
    return Path(workspace) if workspace is not None else Path.cwd()


def progress_path(workspace: str | os.PathLike | None = None) -> Path:
    return workspace_root(workspace) / PROGRESS_FILE


@dataclass
class ExerciseProgress:
    """What the workspace remembers of one exercise."""

    last_score: int | None = None
    best_score: int | None = None
    max_score: int | None = None
    attempted: bool = False  # some check was attempted (the functions are no longer all stubs)
    graded_at: str = ""
    passed_at: str = ""  # the first time every check passed ("" never)

    @property
    def passed(self) -> bool:
        return bool(self.passed_at)

    @classmethod
    def from_dict(cls, data: Any) -> ExerciseProgress:
        if not isinstance(data, dict):
            raise ValueError("not an object")
        known = {f.name for f in fields(cls)}
        entry = cls(**{key: value for key, value in data.items() if key in known})
        if "score" in data and entry.last_score is None:  # the first format: {"score", "max_score", "graded_at"}
            entry.last_score = entry.best_score = data["score"]
        for name in ("last_score", "best_score", "max_score"):
            value = getattr(entry, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} is not a whole number")
        if not isinstance(entry.passed_at, str) or not isinstance(entry.graded_at, str):
            raise ValueError("a time is not text")
        return entry


@dataclass
class Progress:
    """Every exercise's :class:`ExerciseProgress`, and notes on how the file was read."""

    exercises: dict[str, ExerciseProgress] = field(default_factory=dict)
    notes: list[MessageRef] = field(default_factory=list)

    def get(self, exercise_id: str) -> ExerciseProgress:
        return self.exercises.get(exercise_id) or ExerciseProgress()


def load_progress(workspace: str | os.PathLike | None = None) -> Progress:
    """The workspace's progress. A corrupt file is moved aside and reported in ``notes``; never raises."""
    path = progress_path(workspace)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress()
    except OSError as error:
        return Progress(notes=[message_ref("progress.unreadable", path=str(path), error=str(error))])
    try:
        data = json.loads(text)
        entries = data.get("exercises") if isinstance(data, dict) and "schema" in data else data
        if not isinstance(entries, dict):
            raise ValueError("not an object")
        return Progress({str(key): ExerciseProgress.from_dict(value) for key, value in entries.items()})
    except (ValueError, TypeError) as error:
        aside = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, aside)
        except OSError:
            aside = path
        return Progress(notes=[message_ref("progress.corrupt", path=str(path), aside=str(aside), error=str(error))])


def save_progress(progress: Progress, workspace: str | os.PathLike | None = None) -> bool:
    """Write ``progress`` atomically; ``False`` (and nothing written) if the folder is read-only."""
    data = {"schema": SCHEMA, "exercises": {key: asdict(entry) for key, entry in sorted(progress.exercises.items())}}
    return _write_atomically(progress_path(workspace), json.dumps(data, indent=2, sort_keys=True) + "\n")


def record_progress(
    result: ExerciseResult, workspace: str | os.PathLike | None = None, seed: int = 0, submission: Any = None
) -> Progress:
    """Remember ``result`` (last and best score, first pass) and keep it as the exercise's last result
    (graded with ``seed``, from ``submission``: the :class:`~grader.submissions.Submission` whose bytes
    were graded, so its key holds their sha256 rather than the path's contents read again).

    Never fails the grading: a read-only folder just keeps no progress."""
    progress = load_progress(workspace)
    entry = progress.get(result.exercise)
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    entry.last_score, entry.max_score, entry.graded_at = result.score, result.max_score, now
    entry.best_score = max(result.score, entry.best_score or 0)
    entry.attempted = entry.attempted or any(check.attempted for check in result.checks)
    if result.passed and not entry.passed_at:
        entry.passed_at = now
    progress.exercises[result.exercise] = entry
    save_progress(progress, workspace)
    _save_last_result(result, workspace, seed, submission)
    return progress


def progress_recorder(
    workspace: str | os.PathLike | None = None,
    seed: int = 0,
    *,
    solutions: bool = False,
    submission: str | os.PathLike | None = None,
) -> Callable[[ExerciseResult, Any], None] | None:
    """What a self-study front end hands :func:`grader.workflow.grade_and_report` or
    :func:`~grader.workflow.grade_one` as ``on_graded``: each result graded from a file is recorded
    (:func:`record_progress`). ``None`` (nothing recorded) for ``--solutions`` or an explicit
    ``--submission``: only the workspace's own files are the learner's progress."""
    if solutions or submission is not None:
        return None

    def record(result: ExerciseResult, graded_from: Any) -> None:
        if result.submission:
            record_progress(result, workspace, seed, graded_from)

    return record


# ----------------------------------------------------------------------------- the last result


def result_key(exercise: Exercise, submission: Any, seed: int = 0) -> dict[str, Any]:
    """What must be unchanged for a stored result to stand for a new grading: the file, the checks, the seed.
    ``submission``: a :class:`~grader.submissions.Submission` (its bytes as read once by the intake, never
    a link followed) or a path."""
    import grader
    from grader.submissions import Submission

    if not isinstance(submission, Submission):
        submission = Submission(Path(submission))
    return {
        "submission": str(submission.path),
        "sha256": submission.sha256(),
        "grader_version": grader.__version__,
        "exercise_version": exercise_version(exercise),
        "seed": seed,
    }


def _save_last_result(result: ExerciseResult, workspace: str | os.PathLike | None, seed: int, submission: Any) -> None:
    from grader.registry import find_exercise

    if not result.submission:
        return
    key = result_key(find_exercise(result.exercise), submission if submission is not None else result.submission, seed)
    record = {"key": key, "result": result.to_dict()}
    _write_atomically(_last_result_path(result.exercise, workspace), json.dumps(record, ensure_ascii=False))


def last_result(
    exercise: Exercise, submission: Any, workspace: str | os.PathLike | None = None, seed: int = 0
) -> ExerciseResult | None:
    """The stored result of ``exercise`` if it was graded from this very file with these checks; else ``None``."""
    try:
        record = json.loads(_last_result_path(exercise.id, workspace).read_text(encoding="utf-8"))
        if record.get("key") != result_key(exercise, submission, seed) or not record["key"]["sha256"]:
            return None
        return ExerciseResult.from_dict(record["result"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _last_result_path(exercise_id: str, workspace: str | os.PathLike | None) -> Path:
    return workspace_root(workspace) / RESULTS_DIR / f"{exercise_id}.json"


def _write_atomically(path: Path, text: str) -> bool:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


# ----------------------------------------------------------------------------- status per exercise


def exercise_status(exercise: Exercise, entry: ExerciseProgress, workspace: str | os.PathLike | None = None) -> str:
    """``passed`` (every check passed once), ``in_progress`` (graded with a check attempted, or its file
    edited since ``grade init``) or ``not_started``."""
    if entry.passed:
        return PASSED
    if entry.attempted or (entry.best_score or 0) > 0 or _edited(exercise, workspace):
        return IN_PROGRESS
    return NOT_STARTED


def _edited(exercise: Exercise, workspace: str | os.PathLike | None) -> bool:
    """Whether the workspace's ``.py`` has code the stub lacks. Docstrings and comments do not count,
    so a newer kerasdrill whose stubs explain more does not mark untouched files as begun."""
    from grader.content import stubs_dir
    from grader.submissions import Submission, UnreadableSubmission, workspace_exercises_dir

    mine = Submission(workspace_exercises_dir(workspace) / exercise.file_name, root=workspace_root(workspace))
    try:  # through the intake: a link or a FIFO in the workspace is never followed, a huge file never read
        code = mine.read().data.decode("utf-8")
        return _code_of(code) != _code_of((stubs_dir() / exercise.file_name).read_text())
    except (OSError, UnicodeDecodeError, UnreadableSubmission):
        return False


def _code_of(source: str) -> str:
    """``source``'s syntax tree without docstrings (the learner's own text if it does not parse)."""
    import ast

    try:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
        return ast.dump(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # a pathological file: its own text
        return source


def progress_rows(
    exercises: Iterable[Exercise],
    workspace: str | os.PathLike | None = None,
    progress: Progress | None = None,
    language: str = "en",
) -> list[dict[str, Any]]:
    """One row per exercise for ``grade list``: id, slug, title (in ``language``), status, last and best
    score, and ``next`` (true for the first exercise not passed, in course order)."""
    from grader.messages import catalogue_for

    progress = progress if progress is not None else load_progress(workspace)
    rows: list[dict[str, Any]] = []
    for exercise in exercises:
        entry = progress.get(exercise.id)
        rows.append(
            {
                "exercise": exercise.id,
                "slug": exercise.slug,
                "title": catalogue_for(exercise, language).title(),
                "needs_tf": exercise.needs_tf,
                "status": exercise_status(exercise, entry, workspace),
                "last_score": entry.last_score,
                "best_score": entry.best_score,
                "max_score": entry.max_score,
                "next": False,
            }
        )
    upcoming = next((row for row in rows if row["status"] != PASSED), None)
    if upcoming is not None:
        upcoming["next"] = True
    return rows


def next_exercise(exercises: Iterable[Exercise], workspace: str | os.PathLike | None = None) -> Exercise | None:
    """The first exercise not passed yet, in course order; ``None`` when every one has been passed."""
    progress = load_progress(workspace)
    return next((e for e in exercises if not progress.get(e.id).passed), None)
