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
    assert any("red" in m and "[2J" not in m for m in messages), describe(result)  # the sequence dropped, text kept


def test_a_learner_error_in_colour_is_stored_as_plain_text(tmp_path):
    """Keras bolds the useful line of its errors (ESC[1m ... ESC[0m); the JSON used to keep the escapes."""
    source = mutate(
        solution_source("exercise-05"),
        (
            '    if padding == "same":\n        return math.ceil(size / strides)',
            '    if padding == "same":\n        raise ValueError("Exception.\\n\\n\\x1b[1mInput 0 is incompatible\\x1b[0m")',
        ),
    )
    result = grade_source("exercise-05", source, tmp_path)
    raised = [c for c in result.checks if c.message_id == "engine.raised"]
    assert raised and not result.internal_error, describe(result)
    for check in raised:
        stored = json.dumps(check.to_dict())
        assert "\\u001b" not in stored and "[1m" not in check.message, check.message
        assert "Input 0 is incompatible" in check.message


def test_a_call_shows_large_arrays_by_their_shape():
    import numpy as np

    from grader.sandbox.client import call_repr

    shown = call_repr("train_and_predict", ("model", np.zeros((455, 30))), {"epochs": 2, "x": np.arange(3)})
    assert shown == "train_and_predict('model', <array of shape (455, 30)>, epochs=2, x=array([0, 1, 2]))", shown


def test_a_notebook_that_is_not_json_is_the_learners_failed_file_not_a_grader_fault(tmp_path):
    path = tmp_path / "exercise_05_cnn_shapes.ipynb"
    path.write_text('{"cells": [ broken', encoding="utf-8")
    result = grade_file("exercise-05", path)
    assert not result.internal_error and result.max_score == find_exercise("exercise-05").max_score, describe(result)
    assert result.score == 0 and all(c.message_id == "engine.unreadable" for c in result.checks), describe(result)
    assert "could not be read" in result.checks[0].message and "JSON is broken" in result.checks[0].message


def test_several_findings_render_one_line_each_in_a_stored_message():
    from grader.messages import message_ref

    catalogue = Catalogue("en")
    it = message_ref("model.it")
    params = {
        "call": "compile_regression(model)",
        "problems": [
            message_ref("model.wrong_learning_rate", call=it, found=0.001, expected=0.003, optimizer="Adam"),
            message_ref("model.wrong_loss", call=it, found="mae", expected="mse", advice=""),
        ],
    }
    text = catalogue.render_check_message("model.compile_differs", params)
    assert "\n• It compiled with learning rate 0.001; expected 0.003" in text, text
    assert "\n• It compiled with loss mae; expected mse" in text and "$message" not in text, text


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


def test_a_subclassed_model_is_named_not_taken_for_a_forgotten_return(tmp_path):
    import keras

    from grader.checking import CheckFailed, Opaque
    from grader.checking.models import learner_model
    from grader.sandbox.protocol import Codec

    class BinaryClassifier(keras.Model):
        def call(self, x):
            return x

    codec = Codec(session_dir=str(tmp_path))
    from grader.sandbox import keras_codec

    keras_codec.install(codec)
    sent = codec.decode(codec.encode(BinaryClassifier()))
    assert isinstance(sent, Opaque) and sent.reason == keras_codec.SUBCLASSED_MODEL, sent
    with pytest.raises(CheckFailed) as failed:
        learner_model(sent, "build_binary_classifier(30)")
    assert failed.value.message_id == "model.subclassed"
    text = Catalogue("en").render_check_message("model.subclassed", failed.value.params)
    assert "BinaryClassifier" in text and "forget" not in text and "keras.Sequential" in text, text


def test_every_compile_setting_that_differs_is_named_and_mae_is_explained():
    import keras

    from grader.checking import CheckFailed
    from grader.checking.models import expect_compiled

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mae")
    with pytest.raises(CheckFailed) as failed:
        expect_compiled(
            model, "compile_regression(model, learning_rate=0.003)", optimizer="Adam", learning_rate=0.003, loss="mse"
        )
    text = Catalogue("en").render_check_message(failed.value.message_id, failed.value.params)
    assert "learning rate 0.001; expected 0.003" in text and "loss mae; expected mse" in text, text
    assert "mae is a regression loss too" in text and "not lr=" not in text, text


def test_a_keras_error_keeps_its_useful_part():
    from grader.checking.models import _error_text

    error = ValueError(
        "Exception encountered when calling Sequential.call().\n\n"
        "\x1b[1mInput 0 of layer 'dense' is incompatible with the layer: expected axis -1 of input shape to have"
        " value 30, but received input with shape (32, 10)\x1b[0m\n\n"
        "Arguments received by Sequential.call():\n  • inputs=tf.Tensor(shape=(32, 10), dtype=float32)"
    )
    text = _error_text(error)
    assert text.startswith("Input 0 of layer 'dense' is incompatible") and "(32, 10)" in text, text
    assert "\x1b" not in text and "Arguments received" not in text, text
