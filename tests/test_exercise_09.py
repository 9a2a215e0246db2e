"""Exercise 09 multiclass-classifier: stub 0, solution full, wrong answers lose exactly their checks."""

from __future__ import annotations

import pytest
from support import describe, grade_source, grade_wrong_answer, solution_source, wrong_answer_test

EXERCISE = "exercise-09"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "one-hot loss with integer labels": (
        [('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')],
        {"loss_matches_integer_labels"},  # the loss costs its own check; "learns digits" judges the layers
    ),
    "from_logits=True on a softmax head": (
        [
            (
                'loss="sparse_categorical_crossentropy"',
                "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            )
        ],
        {"loss_matches_integer_labels"},  # learns_digits keeps the learner's from_logits: it still learns
    ),
    "sigmoid output": (
        [
            (
                'model.add(keras.layers.Dense(n_classes, activation="softmax"))',
                'model.add(keras.layers.Dense(n_classes, activation="sigmoid"))',
            )
        ],
        {"course_mlp_layers", "other_shapes_classes_and_hidden_units"},
    ),
    "hidden units hard-coded": (
        [("    for units in hidden_units:", "    for units in (300, 100):")],
        {"other_shapes_classes_and_hidden_units"},
    ),
    "top class by argmin": (
        [("np.asarray(probabilities).argmax(axis=1)", "np.asarray(probabilities).argmin(axis=1)")],
        {"top_class"},
    ),
    "class names in the wrong order": (
        [('"Sandal", "Shirt", "Sneaker"', '"Shirt", "Sandal", "Sneaker"')],
        {"class_names"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_one_hot_loss_feedback_names_the_label_format():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "one-hot loss with integer labels")
    message = result.check("loss_matches_integer_labels").message
    assert "one-hot" in message and "integers" in message, message


def test_hands_on_ml_style_with_flatten_input_shape_gets_full_marks(tmp_path):
    source = solution_source(EXERCISE).replace(
        "    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()])",
        "    model = keras.models.Sequential()\n    model.add(keras.layers.Flatten(input_shape=list(input_shape)))",
    )
    assert source != solution_source(EXERCISE)
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed, describe(result)


def test_hands_on_ml_style_sgd_optimizer_gets_full_marks(tmp_path):
    """The contract leaves the optimizer open; Hands-On ML compiles this MLP with optimizer="sgd"."""
    source = solution_source(EXERCISE).replace('optimizer="adam"', 'optimizer="sgd"')
    assert 'optimizer="sgd"' in source
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed, describe(result)
