"""What a whole class got wrong, computed from a batch's results (``grade report``).

Everything here is arithmetic over a :class:`~grader.results.ClassResult` (a batch's
``results.json``, or several shards merged): per exercise the spread of scores, each check's
failure rate among the learners who attempted the exercise, the diagnoses (message ids) the
checks gave most often with one example message, and who timed out, crashed or did not attempt
it. The HTML page and the terminal table (:mod:`grader.outputs.class_report`) only draw this.

Messages are rendered again in the report's language from their ids (:func:`localized`), so a
class graded in English reads in Korean. Examples name no learner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from grader.checking.localize import localized
from grader.results import ClassResult, ExerciseResult

#: Message ids that say nothing about the learner's understanding: no file, a stub, a check not reached.
NOT_DIAGNOSES = {"report.no_submission", "engine.not_attempted", "engine.not_run", "engine.timeout_repeated"}
CRASH_IDS = {"engine.crashed", "engine.memory", "engine.exited"}
BROKEN_IDS = {"engine.load_failed", "engine.unreadable", "engine.refused_file", "engine.load_timeout"}
TIMEOUT_IDS = {"engine.timeout"}
#: Score buckets by percent of the exercise's points: 0-9 %, 10-19 %, ..., 90-99 %, and full marks.
BUCKETS = [(low, low + 9) for low in range(0, 100, 10)] + [(100, 100)]


@dataclass
class CheckStats:
    name: str
    title: str
    max_points: int
    attempted: int = 0  # learners who attempted the exercise
    failed: int = 0  # of those, learners who did not pass this check

    @property
    def failure_rate(self) -> float:
        return self.failed / self.attempted if self.attempted else 0.0


@dataclass
class Diagnosis:
    message_id: str
    count: int
    checks: list[str]  # the titles of the checks that gave it
    example: str  # one message, as a learner read it (no learner named)


@dataclass
class ExerciseSummary:
    exercise: str
    title: str
    max_score: int
    scores: list[int] = field(default_factory=list)  # one per learner, in learner order
    histogram: list[int] = field(default_factory=list)  # learners per BUCKETS entry
    checks: list[CheckStats] = field(default_factory=list)  # by failure rate, highest first
    diagnoses: list[Diagnosis] = field(default_factory=list)  # most frequent first
    problems: dict[str, list[str]] = field(default_factory=dict)  # kind -> learner ids
    attempted: int = 0
    curves: dict[str, dict] = field(default_factory=dict)  # learner -> learning curves (grade --plot data)

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def passed(self) -> int:
        return sum(1 for score in self.scores if self.max_score and score == self.max_score)


@dataclass
class LearnerRow:
    learner: str
    scores: dict[str, int]
    total: int
    max_score: int
    problems: list[str]  # "exercise-05: timeout", ...
    failing: dict[str, list[dict]] = field(
        default_factory=dict
    )  # exercise -> its failed checks (title, status, message)

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_score if self.max_score else 0.0


@dataclass
class ClassSummary:
    exercises: list[ExerciseSummary]
    learners: list[LearnerRow]
    max_score: int
    language: str
    complete: bool = True
    provenance: dict = field(default_factory=dict)


def bucket_of(score: int, max_score: int) -> int:
    """The index in :data:`BUCKETS` of ``score`` out of ``max_score``."""
    if max_score <= 0:
        return 0
    percent = 100.0 * score / max_score
    if percent >= 100:
        return len(BUCKETS) - 1
    return min(int(percent // 10), len(BUCKETS) - 2)


def attempted(result: ExerciseResult) -> bool:
    """Whether the learner tried the exercise: a file with at least one function written."""
    return bool(result.submission) and any(check.attempted for check in result.checks)


def problems_of(result: ExerciseResult) -> list[str]:
    """What went wrong beyond wrong answers: ``not_attempted``, ``timeout``, ``crashed``, ``broken``, ``grader``."""
    if not attempted(result):
        return ["not_attempted"]
    found = []
    ids = {check.message_id for check in result.checks}
    if any(check.status == "timeout" for check in result.checks) or ids & TIMEOUT_IDS:
        found.append("timeout")
    if ids & CRASH_IDS:
        found.append("crashed")
    if ids & BROKEN_IDS:
        found.append("broken")
    if result.internal_error:
        found.append("grader")
    return found


def summarize(graded: ClassResult, language: str = "en") -> ClassSummary:
    """The class report's numbers for ``graded``, its messages in ``language``."""
    summaries: dict[str, ExerciseSummary] = {}
    rows: list[LearnerRow] = []
    examples: dict[tuple[str, str], str] = {}
    for learner in graded.learners:
        results = {result.exercise: localized(result, language) for result in learner.run.exercises}
        scores, notes, failing = {}, [], {}
        for exercise_id in graded.exercises:
            result = results.get(exercise_id)
            maximum = graded.max_points.get(exercise_id, 0)
            summary = summaries.get(exercise_id)
            if summary is None:
                title = result.title if result is not None else exercise_id
                summary = summaries[exercise_id] = ExerciseSummary(exercise_id, title, maximum)
                summary.histogram = [0] * len(BUCKETS)
            score = result.score if result is not None else 0
            scores[exercise_id] = score
            summary.scores.append(score)
            summary.histogram[bucket_of(score, maximum)] += 1
            kinds = problems_of(result) if result is not None else ["not_attempted"]
            for kind in kinds:
                summary.problems.setdefault(kind, []).append(learner.learner)
                notes.append(f"{exercise_id}: {kind}")
            if result is None or not attempted(result):
                continue
            summary.attempted += 1
            failing[exercise_id] = [
                {"title": c.title, "status": c.status, "message": c.message} for c in result.checks if not c.passed
            ]
            if result.learning_curves:
                summary.curves[learner.learner] = result.learning_curves
            _count_checks(summary, result, examples)
        rows.append(LearnerRow(learner.learner, scores, sum(scores.values()), graded.max_score, notes, failing))
    exercises = [summaries[e] for e in graded.exercises if e in summaries]
    for summary in exercises:
        summary.checks.sort(key=lambda stats: (-stats.failure_rate, stats.title))
        summary.diagnoses.sort(key=lambda diagnosis: (-diagnosis.count, diagnosis.message_id))
    return ClassSummary(exercises, rows, graded.max_score, language, graded.complete, dict(graded.provenance))


def _count_checks(summary: ExerciseSummary, result: ExerciseResult, examples: dict) -> None:
    stats = {check.name: check for check in summary.checks}
    diagnoses = {diagnosis.message_id: diagnosis for diagnosis in summary.diagnoses}
    seen_ids: Counter[str] = Counter()
    for check in result.checks:
        entry = stats.get(check.name)
        if entry is None:
            entry = CheckStats(check.name, check.title, check.max_points)
            summary.checks.append(entry)
            stats[check.name] = entry
        entry.attempted += 1
        if check.passed:
            continue
        entry.failed += 1
        if not check.message_id or check.message_id in NOT_DIAGNOSES:  # the instructor reads hidden checks too
            continue
        if seen_ids[check.message_id]:  # one learner counts once per diagnosis, however many checks gave it
            diagnosis = diagnoses[check.message_id]
            if check.title not in diagnosis.checks:
                diagnosis.checks.append(check.title)
            continue
        seen_ids[check.message_id] += 1
        diagnosis = diagnoses.get(check.message_id)
        if diagnosis is None:
            diagnosis = Diagnosis(check.message_id, 0, [], check.message)
            summary.diagnoses.append(diagnosis)
            diagnoses[check.message_id] = diagnosis
        diagnosis.count += 1
        if check.title not in diagnosis.checks:
            diagnosis.checks.append(check.title)
