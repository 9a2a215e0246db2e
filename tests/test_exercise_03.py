"""Exercise 03 loss-choice: stub 0, solution full, wrong answers lose exactly their checks,
and one_hot's expected values equal keras.utils.to_categorical."""

from __future__ import annotations

import numpy as np
import pytest
from support import grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-03"


WRONG_ANSWERS = {
    "threshold > 0.5 instead of >= 0.5": (
        [("np.where(probabilities >= 0.5, 1, 0)", "np.where(probabilities > 0.5, 1, 0)")],
        {"predict_classes_sigmoid"},
    ),
    "multi-label gets softmax": (
        [('return (n_classes, "sigmoid")  # multilabel', 'return (n_classes, "softmax")  # multilabel')],
        {"output_layer_multilabel"},
    ),
    "sparse and one-hot losses swapped": (
        [
            (
                '        return "categorical_crossentropy"\n    return "sparse_categorical_crossentropy"',
                '        return "sparse_categorical_crossentropy"\n    return "categorical_crossentropy"',
            )
        ],
        {"loss_multiclass_by_label_format"},
    ),
    "one-hot as integers": (
        [("np.eye(n_classes, dtype=np.float32)", "np.eye(n_classes, dtype=int)")],
        {"one_hot_float32"},
    ),
    "unknown task returns None instead of raising": (
        [
            (
                "        raise ValueError(f\"unknown task {task!r}: choose one of {', '.join(TASKS)}\")",
                "        return None",
            )
        ],
        {"unknown_task_raises_value_error"},
    ),
    "argmax over the wrong axis": (
        [("return probabilities.argmax(axis=-1)", "return probabilities.argmax(axis=0)")],
        {"predict_classes_softmax"},
    ),
    "binary output with softmax": (
        [('        return (1, "sigmoid")', '        return (2, "softmax")')],
        {"output_layer_regression_and_binary"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_boundary_feedback_names_the_rule():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "threshold > 0.5 instead of >= 0.5")
    check = result.check("predict_classes_sigmoid")
    assert ">= 0.5" in check.message or "p >= 0.5" in check.message, check.message


def test_linear_is_accepted_for_regression(tmp_path):
    source = mutate(solution_source(EXERCISE), ("        return (1, None)", '        return (1, "linear")'))
    assert grade_source(EXERCISE, source, tmp_path).passed


def test_one_hot_matches_keras_to_categorical():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_classes = int(rng.integers(2, 12))
        labels = rng.integers(0, n_classes, size=int(rng.integers(1, 50)))
        expected = keras.utils.to_categorical(labels, n_classes)
        np.testing.assert_array_equal(np.eye(n_classes)[labels], expected)


def test_activation_feedback_gives_the_tasks_reason():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "multi-label gets softmax")
    message = result.check("output_layer_multilabel").message
    assert "own yes/no question" in message and "'sigmoid'" in message, message
