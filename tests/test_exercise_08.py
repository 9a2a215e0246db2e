"""Exercise 08 binary-classifier: stub 0, solution full, wrong answers lose exactly their checks,
a softmax head gets a specific message."""

from __future__ import annotations

import pytest

from support import grade_source, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-08"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "probabilities instead of classes": (
        [("    return np.where(probabilities >= 0.5, 1, 0).reshape(-1)", "    return probabilities.reshape(-1)")],
        {"predictions_are_classes"},
    ),
    "hidden layer without relu": (
        [('        Dense(hidden_units, activation="relu"),', "        Dense(hidden_units),")],
        {"binary_classifier_layers"},
    ),
    "mse loss": (
        [('loss="binary_crossentropy"', 'loss="mse"')],
        {"compiled_for_binary_classification"},
    ),
    "predicts the training inputs": (
        [("    probabilities = model.predict(x_test, verbose=0)", "    probabilities = model.predict(x_train, verbose=0)")],
        {"predictions_are_classes", "learns_breast_cancer"},
    ),
    "learning rate ignored (Keras default 0.001)": (
        [("optimizer=Adam(learning_rate=0.01)", 'optimizer="adam"')],
        {"compiled_for_binary_classification"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_a_softmax_head_with_the_sparse_loss_gets_a_specific_message(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        ('        Dense(1, activation="sigmoid"),', '        Dense(2, activation="softmax"),'),
        ('loss="binary_crossentropy"', 'loss="sparse_categorical_crossentropy"'),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    layers = next(c for c in result.checks if c.name == "binary_classifier_layers")
    compiled = next(c for c in result.checks if c.name == "compiled_for_binary_classification")
    assert not layers.passed and "sigmoid" in layers.message, layers.message
    assert not compiled.passed and "binary_crossentropy" in compiled.message, compiled.message


def test_predict_classes_habit_gets_the_keras3_form(tmp_path):
    source = mutate(solution_source(EXERCISE), ("    probabilities = model.predict(x_test, verbose=0)\n    return np.where(probabilities >= 0.5, 1, 0).reshape(-1)", "    return model.predict_classes(x_test)"))
    result = grade_source(EXERCISE, source, tmp_path)
    check = next(c for c in result.checks if c.name == "learns_breast_cancer")
    assert "np.where(p >= 0.5, 1, 0)" in check.message and "predict_classes" in check.message, check.message
