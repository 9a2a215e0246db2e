"""Fail closed: every report lists every declared check with its declared points, and 0 <= score <= max_score.

Each test here failed before the change that made it pass (see the commit message).
"""

from __future__ import annotations

import json
import textwrap

import pytest
from support import describe, grade_file, grade_source, mutate, solution_source

from grader.checking.declaration import fail_closed
from grader.checking.runner import list_checks
from grader.messages import Catalogue, format_message
from grader.registry import ROOTS, Root, all_exercises, find_exercise, load_exercises
from grader.results import CheckResult, ExerciseResult

EXERCISES = all_exercises()


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_the_declared_checks_are_what_pytest_collects(exercise):
    assert list(exercise.declared_checks()) == list_checks(exercise)
    assert exercise.max_score == sum(points for _, points in list_checks(exercise)) > 0


def test_a_message_parameter_may_be_called_key():
    # "key" used to collide with render(key, **params): TypeError, reported as "the grader itself failed"
    catalogue = Catalogue("en", find_exercise("02").directory)
    text = catalogue.render_check_message("history_key", {"key": "val_loss", "call": "train(...)", "epochs": 3})
    assert "val_loss" in text


def test_a_template_that_does_not_fit_its_value_renders_visibly_instead_of_raising():
    assert format_message("found {x:d}", {"x": "a string"}) == "found {x:d}"
    assert format_message("found {x.attribute}", {"x": 1}) == "found {x.attribute}"


@pytest.mark.slow
def test_a_history_without_val_loss_is_the_learners_failed_check_not_a_grader_fault(tmp_path):
    """Exercise 02: train() that forgets validation_split reported 'the grader itself failed', score 15 of 8."""
    source = mutate(solution_source("exercise-02"), (", validation_split=validation_split, verbose=0", ", verbose=0"))
    result = grade_source("exercise-02", source, tmp_path)
    assert not result.internal_error, describe(result)
    assert result.max_score == find_exercise("02").max_score and 0 <= result.score < result.max_score
    check = result.check("train_returns_history")
    assert check.status == "failed" and "val_loss" in check.message, describe(result)


def _root_with_an_interrupting_check(tmp_path):
    folder = tmp_path / "root" / "exercise_42_stops"
    folder.mkdir(parents=True)
    (folder / "exercise.json").write_text('{"number": 42, "slug": "stops"}', encoding="utf-8")
    (folder / "checks.py").write_text(
        textwrap.dedent(
            """
            from grader.checking import check

            @check(points=1)
            def test_first():
                pass

            @check(points=2)
            def test_stops_the_run():
                raise KeyboardInterrupt  # pytest ends the session: the next check never runs

            @check(points=5)
            def test_never_runs():
                pass
            """
        ),
        encoding="utf-8",
    )
    return Root(tmp_path / "root", origin="course")


def test_checks_that_never_ran_count_zero_of_their_points_and_blame_the_grader(tmp_path):
    # The "did not run" placeholder used to swap points and max points: 5 of 0, so score > max_score.
    exercise = next(e for e in load_exercises((*ROOTS, _root_with_an_interrupting_check(tmp_path))) if e.number == 42)
    submission = tmp_path / "exercise_42_stops.py"
    submission.write_text("x = 1\n", encoding="utf-8")
    result = grade_file(exercise, submission)
    assert [c.name for c in result.checks] == ["first", "stops_the_run", "never_runs"], describe(result)
    assert result.max_score == exercise.max_score == 8
    assert result.score <= 1, describe(result)
    never = result.check("never_runs")
    assert (never.points, never.max_points, never.status, never.internal) == (0, 5, "error", True)
    assert result.internal_error  # exit code 3: this is a fault of the checks, not of the learner


def test_fail_closed_lists_every_declared_check_and_clamps_points():
    exercise = find_exercise("04")
    declared = dict(exercise.declared_checks())
    first, second, *_ = declared
    bent = ExerciseResult(
        exercise=exercise.id,
        slug=exercise.slug,
        title="",
        submission="",
        checks=[
            CheckResult(name=first, title="", status="passed", points=99, max_points=99),
            CheckResult(name="not_declared", title="", status="passed", points=3, max_points=3),
        ],
    )
    fixed = fail_closed(bent, exercise)
    assert fixed.max_score == exercise.max_score and 0 <= fixed.score <= fixed.max_score
    assert fixed.check(first).points == declared[first] and fixed.check(first).internal
    assert fixed.check(second).points == 0 and fixed.check(second).internal
    assert fixed.check("not_declared").max_points == 0
    assert json.loads(json.dumps(fixed.to_dict()))["max_score"] == exercise.max_score


def test_a_missing_file_lists_every_check_unattempted(tmp_path):
    from grader.engine import missing_submission_result

    for exercise in EXERCISES:
        result = missing_submission_result(exercise)
        assert result.max_score == exercise.max_score and result.score == 0
        assert not any(c.attempted for c in result.checks) and not result.internal_error


@pytest.mark.slow
def test_compiling_a_fresh_model_instead_of_the_given_one_fails(tmp_path):
    """Exercise 02: compile_regression that builds, compiles and returns a new model used to score 15/15."""
    source = mutate(
        solution_source("exercise-02"),
        (
            '    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")\n    return model',
            "    fresh = keras.models.clone_model(model)\n"
            '    fresh.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")\n    return fresh',
        ),
    )
    result = grade_source("exercise-02", source, tmp_path)
    assert not result.internal_error, describe(result)
    check = result.check("compile_regression")
    assert check.status == "failed" and "different model" in check.message, describe(result)
    assert result.score == result.max_score - check.max_points


@pytest.mark.slow
def test_a_nan_learning_rate_fails_the_learning_rate_check(tmp_path):
    """Adam(learning_rate=nan) passed: abs(nan - lr) > tol is False."""
    source = mutate(
        solution_source("exercise-02"),
        ("optimizer=Adam(learning_rate=learning_rate)", "optimizer=Adam(learning_rate=float('nan'))"),
    )
    result = grade_source("exercise-02", source, tmp_path)
    check = result.check("compile_regression")
    assert check.status == "failed" and "nan" in check.message.lower(), describe(result)


def test_a_float32_learning_rate_is_shown_as_written():
    from grader.checking.models import shown_rate

    assert shown_rate(float(__import__("numpy").float32(0.001))) == 0.001


def test_terminal_escapes_never_reach_a_stored_message(tmp_path):
    """A learner object whose repr colours the terminal: the message shows the escape as text."""
    source = mutate(
        solution_source("exercise-05"),
        (
            '    if padding == "same":\n        return math.ceil(size / strides)\n    if padding == "valid":',
            "    class Loud:\n        def __repr__(self):\n            return '\\x1b[2J\\x1b[31mred'\n"
            '    if padding == "same":\n        return Loud()\n    if padding == "valid":',
        ),
    )
    result = grade_source("exercise-05", source, tmp_path)
    assert not result.internal_error, describe(result)
    messages = [c.message for c in result.checks if not c.passed]
    assert messages and not any("\x1b" in m for m in messages), describe(result)
    assert any("\\x1b[2J" in m for m in messages), describe(result)  # shown as text, visibly


def test_values_from_the_worker_are_named_by_what_the_learner_returned():
    from grader.checking import KerasObjectSpec, ModelFile, type_name

    assert (
        type_name(KerasObjectSpec("ImageDataGenerator", "keras.src.legacy.preprocessing.image"))
        == "keras.ImageDataGenerator"
    )
    assert type_name(KerasObjectSpec("History", "keras.src.callbacks.history")) == "keras.History"
    assert "grader" not in type_name(ModelFile("model.keras", "Sequential"))


def test_same_never_trusts_a_learner_value():
    import numpy as np

    from grader.checking import same

    assert same("mse", "mse") and same((1, 2), (1, 2)) and same(np.float32(0.5), 0.5)
    assert not same(np.array(["mse"]), "mse")  # loss_for returning an array used to score 19/19
    assert not same(float("nan"), float("nan")) and not same(True, 1) and not same([["a"]], "a")
    assert not same(10**400, 1.0) and not same(np.array([1, 2]), np.array([1, 2, 3]))


def test_an_array_of_strings_of_the_right_shape_fails_the_type_check():
    import numpy as np

    from grader.checking import CheckFailed, as_array, as_number

    for wrong in (np.array([["a", "b"]]), np.array([[b"x", b"y"]]), np.array([[1j, 2j]])):
        with pytest.raises(CheckFailed) as failed:
            as_array(wrong, "f()", shape=(1, 2))
        assert "dtype" in str(failed.value.params["found_type"])
    with pytest.raises(CheckFailed):
        as_number(10**400, "f()")  # OverflowError before: "the grader itself failed"


def test_same_tells_none_from_false():
    from grader.checking import same

    assert not same(False, None) and not same(None, False) and same(None, None)
