"""Generated return values (hypothesis) for the plain-data exercises' functions, graded through the engine.

Each drawn value (:mod:`values`: nested lists, huge and special numbers, odd dtypes, strings, None,
dicts) replaces one function's body of the reference solution. The verdict must be honest: no check
blamed on the grader (which is exit 3), every declared check reported, 0 <= score <= max_score.
``KERASDRILL_VALUE_EXAMPLES`` sets how many values per exercise (default 8, the quick run; 50 was run for issue #25).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutants import functions, mutate_function
from support import describe, grade_source, solution_source
from values import shaped, values, wrapped

from grader.registry import find_exercise

EXAMPLES = int(os.environ.get("KERASDRILL_VALUE_EXAMPLES", "8"))
PLAIN_EXERCISES = (
    "exercise-01",
    "exercise-03",
    "exercise-04",
    "exercise-05",
    "exercise-06",
    "exercise-07",
    "exercise-15",
)


@pytest.mark.parametrize("exercise_id", PLAIN_EXERCISES)
def test_a_generated_wrong_value_is_a_failed_check_never_a_grader_fault(exercise_id):
    exercise = find_exercise(exercise_id)
    source = solution_source(exercise)
    declared = [name for name, _ in exercise.declared_checks()]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(function=st.sampled_from(functions(source)), value=values)
    def graded(function, value):
        body = f"import sys\n    import numpy as np\n    sys.set_int_max_str_digits(0)\n    return {value}"
        with tempfile.TemporaryDirectory() as folder:
            result = grade_source(exercise, mutate_function(source, function, body), Path(folder))
        shown = f"{function} returns {value}\n{describe(result)}"
        assert not result.error and not [c.name for c in result.checks if c.internal], shown
        assert [c.name for c in result.checks] == declared, shown
        assert result.max_score == exercise.max_score and 0 <= result.score <= result.max_score, shown

    graded()


@pytest.mark.parametrize("exercise_id", PLAIN_EXERCISES)
def test_the_right_shape_with_wrong_values_is_a_failed_check_never_a_grader_fault(exercise_id):
    """The reference's own answer, every number in it replaced (``[10**400] * n`` where w is a list of n)."""
    exercise = find_exercise(exercise_id)
    source = solution_source(exercise)
    declared = [name for name, _ in exercise.declared_checks()]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(function=st.sampled_from(functions(source)), leaf_and_mode=shaped)
    def graded(function, leaf_and_mode):
        leaf, mode = leaf_and_mode
        with tempfile.TemporaryDirectory() as folder:
            result = grade_source(exercise, wrapped(source, function, leaf, mode), Path(folder))
        shown = f"{function}: every number {leaf}, arrays {mode}\n{describe(result)}"
        assert not result.error and not [c.name for c in result.checks if c.internal], shown
        assert [c.name for c in result.checks] == declared, shown
        assert result.max_score == exercise.max_score and 0 <= result.score <= result.max_score, shown

    graded()
