"""The contract every exercise keeps: the untouched stub scores 0 with every check "not attempted",
and the reference solution scores full marks. Walks the registry, so a new exercise is covered
by adding its files (its wrong answers live in tests/test_exercise_NN.py)."""

from __future__ import annotations

import pytest
from support import describe, grade_source, solution_source, stub_source

from grader.registry import all_exercises

EXERCISES = [pytest.param(e, id=e.id, marks=[pytest.mark.slow] if e.needs_tf else []) for e in all_exercises()]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_scores_zero(exercise, tmp_path):
    result = grade_source(exercise, stub_source(exercise), tmp_path)
    assert result.score == 0 and result.max_score > 0, describe(result)
    assert all(not c.attempted for c in result.checks), describe(result)
    assert all("NotImplementedError" in c.message for c in result.checks), describe(result)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_scores_full_marks(exercise, tmp_path):
    result = grade_source(exercise, solution_source(exercise), tmp_path)
    assert result.passed and result.score == result.max_score, describe(result)
    # the solutions print nothing: whatever shows under "Your code printed" came from the sandbox
    # (scikit-learn's joblib once warned there that it could not use semaphores)
    assert result.output == "", result.output
