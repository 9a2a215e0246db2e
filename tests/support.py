"""Helpers the self-tests share: grade a source text, build wrong answers from the solution.

Every exercise's self-test follows one pattern (see test_exercise_04.py):

* the untouched stub scores 0 and every check says "not attempted";
* the reference solution scores full marks;
* each plausible wrong answer (the solution with one mistake edited in) fails
  exactly the checks it should, and keeps every other point.
"""

from __future__ import annotations

from pathlib import Path

from grader.content import solutions_dir, stubs_dir
from grader.engine import GradeOptions, grade_exercise
from grader.registry import Exercise, find_exercise
from grader.results import ExerciseResult
from grader.submission import Submission


def grade_source(exercise: Exercise | str, source: str, tmp_path: Path, *, options: GradeOptions | None = None) -> ExerciseResult:
    """Write ``source`` as the learner's file in ``tmp_path`` and grade it."""
    exercise = find_exercise(exercise) if isinstance(exercise, str) else exercise
    path = tmp_path / exercise.file_name
    path.write_text(source, encoding="utf-8")
    return grade_exercise(exercise, Submission(path), options)


def grade_file(exercise: Exercise | str, path: Path, *, options: GradeOptions | None = None) -> ExerciseResult:
    exercise = find_exercise(exercise) if isinstance(exercise, str) else exercise
    return grade_exercise(exercise, Submission(Path(path)), options)


def stub_source(exercise: Exercise | str) -> str:
    exercise = find_exercise(exercise) if isinstance(exercise, str) else exercise
    return (stubs_dir() / exercise.file_name).read_text(encoding="utf-8")


def solution_source(exercise: Exercise | str) -> str:
    exercise = find_exercise(exercise) if isinstance(exercise, str) else exercise
    return (solutions_dir() / exercise.file_name).read_text(encoding="utf-8")


def mutate(source: str, *edits: tuple[str, str]) -> str:
    """Apply text replacements, each of which must match exactly once (so a stale mutant fails loudly)."""
    for old, new in edits:
        count = source.count(old)
        assert count == 1, f"mutation target found {count} times: {old!r}"
        source = source.replace(old, new)
    return source


def failing(result: ExerciseResult) -> set[str]:
    """Names of the checks that did not pass."""
    return {c.name for c in result.checks if not c.passed}


def describe(result: ExerciseResult) -> str:
    """A compact dump for assertion messages."""
    lines = [f"{result.exercise}: {result.score}/{result.max_score} error={result.error[:300]!r}"]
    lines += [f"  {c.status:8} {c.name}: {c.message[:300]}" for c in result.checks]
    return "\n".join(lines)


def assert_loses_exactly(result: ExerciseResult, expected_failures: set[str]) -> None:
    """The wrong answer fails exactly ``expected_failures`` and keeps every other point."""
    assert not result.internal_error, describe(result)
    assert failing(result) == set(expected_failures), describe(result)
    lost = sum(c.max_points for c in result.checks if c.name in expected_failures)
    assert result.score == result.max_score - lost, describe(result)
    for check in result.checks:
        if check.name in expected_failures:
            assert check.message, f"{check.name} failed without a message"


def wrong_answer_test(exercise: str, wrong_answers: dict[str, tuple[list[tuple[str, str]], set[str]]]):
    """The parametrised test every exercise's self-test module uses for its wrong answers.

    ``wrong_answers`` maps a name to (text edits of the reference solution, the checks it must fail).
    """
    import pytest

    @pytest.mark.parametrize("name", list(wrong_answers))
    def test_wrong_answer_loses_exactly_its_points(name, tmp_path):
        edits, expected = wrong_answers[name]
        assert_loses_exactly(grade_source(exercise, mutate(solution_source(exercise), *edits), tmp_path), expected)

    return test_wrong_answer_loses_exactly_its_points
