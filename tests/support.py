"""Helpers the self-tests share: grade a source text, build wrong answers from the solution.

Every exercise's self-test follows one pattern (see test_exercise_04.py):

* the untouched stub scores 0 and every check says "not attempted";
* the reference solution scores full marks;
* each plausible wrong answer (the solution with one mistake edited in) fails
  exactly the checks it should, and keeps every other point.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from grader.content import solutions_dir, stubs_dir
from grader.engine import GradeOptions, grade_exercise
from grader.registry import Exercise, find_exercise
from grader.results import ExerciseResult
from grader.submissions import Submission


def grade_source(
    exercise: Exercise | str, source: str, tmp_path: Path, *, options: GradeOptions | None = None
) -> ExerciseResult:
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


WrongAnswers = dict[str, tuple[list[tuple[str, str]], set[str]]]  # name -> (edits of the solution, checks it must fail)


@cache
def _graded(exercise_id: str, source: str) -> ExerciseResult:
    with tempfile.TemporaryDirectory() as folder:
        return grade_source(exercise_id, source, Path(folder))


def grade_wrong_answer(exercise: str, wrong_answers: WrongAnswers, name: str) -> ExerciseResult:
    """The grade of the wrong answer ``name``: the solution with its edits applied.

    Each wrong answer is graded once per test run and shared by the tests that
    read it (the points test and the feedback tests); grading is deterministic,
    which tests of their own prove by grading twice.
    """
    edits, _ = wrong_answers[name]
    return _graded(exercise, mutate(solution_source(exercise), *edits))


def wrong_answer_test(exercise: str, wrong_answers: WrongAnswers):
    """The parametrised test every exercise's self-test module uses for its wrong answers."""
    import pytest

    @pytest.mark.parametrize("name", list(wrong_answers))
    def test_wrong_answer_loses_exactly_its_points(name):
        assert_loses_exactly(grade_wrong_answer(exercise, wrong_answers, name), wrong_answers[name][1])

    return test_wrong_answer_loses_exactly_its_points


def feedback_test(exercise: str, wrong_answers: WrongAnswers, cases: list[tuple[str, str, list[str]]]):
    """A parametrised test: the wrong answer ``name`` fails ``check`` with a message containing every word."""
    import pytest

    @pytest.mark.parametrize("name, check, words", cases)
    def test_feedback_names_the_mistake(name, check, words):
        message = grade_wrong_answer(exercise, wrong_answers, name).check(check).message
        for word in words:
            assert word in message, message

    return test_feedback_names_the_mistake


def odd_answer_test(exercise: str, cases: list[tuple[str, str, str, str]]):
    """A parametrised test: an odd return value (edit ``old`` -> ``new``) fails ``check`` naming ``word``, never a grader fault."""
    import pytest

    @pytest.mark.parametrize("old, new, check, word", cases)
    def test_odd_return_values_fail_with_a_message_never_crash_the_checker(old, new, check, word, tmp_path):
        result = grade_source(exercise, mutate(solution_source(exercise), (old, new)), tmp_path)
        assert not result.internal_error, describe(result)
        found = result.check(check)
        assert found.status == "failed" and word in found.message, describe(result)

    return test_odd_return_values_fail_with_a_message_never_crash_the_checker


#: Seeds a fairness test (a correct variant must get full marks) runs at: seed 0 in the default run,
#: seeds 1 and 2 with ``-m extended`` (the model exercises' repetitions cost minutes of CI time).
FAIR_SEEDS = [0, *(pytest.param(seed, marks=pytest.mark.extended) for seed in (1, 2))]


def first_by_default(names) -> list:
    """``names`` as parameters: the first in the default run, the rest with ``-m extended`` (model-exercise
    variants whose every case costs a training run; one per kind keeps the default suite within CI's budget)."""
    names = sorted(names)
    return names[:1] + [pytest.param(name, marks=pytest.mark.extended) for name in names[1:]]


def wait_for(condition: Callable[[], object], seconds: float, every: float = 0.05) -> bool:
    """Whether ``condition()`` becomes true within ``seconds`` (looked at every ``every`` s): for what other
    processes do (end, remove a folder), never to time the grader."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())
