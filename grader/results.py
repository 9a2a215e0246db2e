"""Result objects: what grading produced, independent of how it is shown.

Writers (:mod:`grader.outputs`) turn these into text or JSON; later ones
(CSV, JUnit XML, Gradescope, Exercism) read the same objects, and ``from_dict``
reads a stored result back. Every message is
kept both rendered (``message``) and as ``message_id`` + ``params`` so a report
can be re-rendered in another language without grading again
(``Catalogue.render_check_message(message_id, params)``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from grader.outcomes import STATUSES, Status  # noqa: F401  (STATUSES: re-exported for writers)

#: Check messages about the file, not about what a function answered: no check's hint addresses them.
FILE_LEVEL = frozenset(
    {
        "engine.load_failed",
        "engine.load_timeout",
        "engine.unreadable",
        "engine.refused_file",
        "engine.missing_function",
        "notebook.missing_rebound",
        "notebook.missing_cell_stopped",
        "notebook.missing_not_run",
    }
)


@dataclass
class CheckResult:
    """The outcome of one hidden check."""

    name: str
    title: str
    status: str
    points: int
    max_points: int
    message: str = ""
    message_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    details: str = ""
    hints: list[str] = field(default_factory=list)
    attempted: bool = True
    internal: bool = False
    duration_s: float = 0.0
    visibility: str = "visible"  # "hidden": an instructor's check; learners see only its status and points

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        """A stored check result (``to_dict()``, e.g. from a ``results.json``); unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class ExerciseResult:
    """All checks of one exercise for one submission."""

    exercise: str
    slug: str
    title: str
    submission: str
    checks: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0
    output: str = ""
    output_truncated: int = 0
    error: str = ""  # a fault of the grader itself, not of the submission
    sandbox: dict[str, bool] = field(default_factory=dict)  # layer -> in place, as the worker reported it
    notes: list[dict[str, Any]] = field(default_factory=list)  # the loader's, as message refs (id + params)
    language: str = "en"  # what the titles and messages are rendered in (ids + params re-render in any)
    plots: list[str] = field(default_factory=list)  # --plot: the files written (exercise_NN.png, exercise_NN.svg)
    # --plot: what was drawn, to draw again (grader.outputs.learning_curve): {"series": {"yours"|"reference":
    # {"loss": [...], "val_loss": [...]}}, "data": dataset name, "model": the learner's model name}
    learning_curves: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> int:
        return sum(c.max_points for c in self.checks)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks) and not self.error

    @property
    def internal_error(self) -> bool:
        return bool(self.error) or any(c.internal for c in self.checks)

    @property
    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.passed), None)

    @property
    def hint_check(self) -> CheckResult | None:
        """The failed check whose hint helps: the first that failed on what a function did, not because
        the file or the function could not be reached (an import that failed, a function not found, a
        notebook cell that stopped); ``None`` if every failure is of that kind (its hint would be another
        check's subject)."""
        return next((c for c in self.checks if not c.passed and c.message_id not in FILE_LEVEL), None)

    def check(self, name: str) -> CheckResult:
        """The result of the check called ``name``; :class:`KeyError` if there is none."""
        for result in self.checks:
            if result.name == name:
                return result
        raise KeyError(f"{self.exercise} has no check {name!r}; it has {[c.name for c in self.checks]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "slug": self.slug,
            "title": self.title,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "duration_s": round(self.duration_s, 3),
            "checks": [c.to_dict() for c in self.checks],
            "output": self.output,
            "output_truncated": self.output_truncated,
            "error": self.error,
            "sandbox": dict(self.sandbox),
            "notes": [dict(note) for note in self.notes],
            "language": self.language,
            "plots": list(self.plots),
            "learning_curves": dict(self.learning_curves),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExerciseResult:
        """A stored exercise result; ``score``, ``max_score`` and ``passed`` are recomputed from the checks."""
        return cls(
            exercise=data["exercise"],
            slug=data.get("slug", ""),
            title=data.get("title", ""),
            submission=data.get("submission", ""),
            checks=[CheckResult.from_dict(check) for check in data.get("checks", [])],
            duration_s=float(data.get("duration_s", 0.0)),
            output=data.get("output", ""),
            output_truncated=int(data.get("output_truncated", 0)),
            error=data.get("error", ""),
            sandbox={str(k): v is True for k, v in (data.get("sandbox") or {}).items()},
            notes=[dict(note) for note in data.get("notes") or [] if isinstance(note, dict)],
            language=str(data.get("language") or "en"),
            plots=[str(path) for path in data.get("plots") or [] if isinstance(path, str)],
            learning_curves=dict(data["learning_curves"]) if isinstance(data.get("learning_curves"), dict) else {},
        )


@dataclass
class RunResult:
    """Several exercises graded together (``grade all``)."""

    exercises: list[ExerciseResult] = field(default_factory=list)
    duration_s: float = 0.0
    complete: bool = True  # False: interrupted, so some exercises were never graded

    @property
    def score(self) -> int:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> int:
        return sum(e.max_score for e in self.exercises)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.exercises) and all(e.passed for e in self.exercises)

    @property
    def internal_error(self) -> bool:
        return any(e.internal_error for e in self.exercises)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "duration_s": round(self.duration_s, 3),
            "complete": self.complete,
            "exercises": [e.to_dict() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """A stored run (``grade all --format json``), or one exercise's result read as a run of one."""
        if "exercises" not in data:
            exercise = ExerciseResult.from_dict(data)
            return cls(exercises=[exercise], duration_s=exercise.duration_s)
        exercises = [ExerciseResult.from_dict(item) for item in data["exercises"]]
        return cls(
            exercises=exercises,
            duration_s=float(data.get("duration_s", 0.0)),
            complete=bool(data.get("complete", True)),
        )


@dataclass
class LearnerResult:
    """One learner of a class (``grade batch``): their run, and where its files came from.

    ``files`` maps each graded exercise id to the sha256 of the file graded (``""``: no file);
    ``note`` says what the batch noticed about the folder (empty, files it did not recognise);
    ``error``, a fault of the grader itself while grading this learner (their row is then not a grade).
    """

    learner: str
    run: RunResult = field(default_factory=RunResult)
    files: dict[str, str] = field(default_factory=dict)
    note: str = ""
    error: str = ""

    @property
    def internal_error(self) -> bool:
        return bool(self.error) or self.run.internal_error

    def to_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "note": self.note,
            "error": self.error,
            "files": dict(self.files),
            **self.run.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerResult:
        return cls(
            learner=str(data.get("learner", "")),
            run=RunResult.from_dict(data),
            files={str(k): str(v) for k, v in dict(data.get("files", {})).items()},
            note=str(data.get("note", "")),
            error=str(data.get("error", "")),
        )


@dataclass
class ClassResult:
    """A whole class graded together: one :class:`LearnerResult` per learner, in learner order.

    ``exercises`` and ``max_points`` (per exercise) come from the exercises themselves, so a
    learner who submitted nothing still has a row against the same maximum. ``provenance``
    records what produced the grades (grader and library versions, seed, times).
    """

    learners: list[LearnerResult] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    max_points: dict[str, int] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    complete: bool = True  # False: interrupted, so some learners were never graded

    @property
    def max_score(self) -> int:
        return sum(self.max_points.values())

    @property
    def internal_error(self) -> bool:
        return any(learner.internal_error for learner in self.learners)

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "exercises": list(self.exercises),
            "max_points": dict(self.max_points),
            "max_score": self.max_score,
            "duration_s": round(self.duration_s, 3),
            "provenance": dict(self.provenance),
            "learners": [learner.to_dict() for learner in self.learners],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassResult:
        """A stored class (``results.json`` of ``grade batch``)."""
        return cls(
            learners=[LearnerResult.from_dict(item) for item in data.get("learners", [])],
            exercises=[str(e) for e in data.get("exercises", [])],
            max_points={str(k): int(v) for k, v in dict(data.get("max_points", {})).items()},
            provenance=dict(data.get("provenance", {})),
            duration_s=float(data.get("duration_s", 0.0)),
            complete=bool(data.get("complete", True)),
        )
