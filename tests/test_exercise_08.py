"""Exercise 08 binary-classifier: wrong answers lose exactly their checks, a softmax head gets
a specific message, predict_classes gets the Keras 3 form, the same submission scores the same
twice. (Stub 0 and solution full marks: tests/test_contract.py.)"""

from __future__ import annotations

import pytest
from support import describe, grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

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
        [
            (
                "    probabilities = model.predict(x_test, verbose=0)",
                "    probabilities = model.predict(x_train, verbose=0)",
            )
        ],
        {"predictions_are_classes", "learns_breast_cancer"},
    ),
    "learning rate ignored (Keras default 0.001)": (
        [("optimizer=Adam(learning_rate=0.01)", 'optimizer="adam"')],
        {"compiled_for_binary_classification"},
    ),
    "softmax on the single output unit": (
        [('        Dense(1, activation="sigmoid"),', '        Dense(1, activation="softmax"),')],
        {"binary_classifier_layers", "built_model_learns_breast_cancer"},
    ),
    "train_and_predict forgets to fit": (
        [("    model.fit(x_train, y_train, epochs=epochs, verbose=0)\n", "")],
        {"learns_breast_cancer"},
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
    layers = result.check("binary_classifier_layers")
    compiled = result.check("compiled_for_binary_classification")
    assert not layers.passed and "sigmoid" in layers.message, layers.message
    assert not compiled.passed and "binary_crossentropy" in compiled.message, compiled.message


def test_predict_classes_habit_gets_the_keras3_form(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            "    probabilities = model.predict(x_test, verbose=0)\n    return np.where(probabilities >= 0.5, 1, 0).reshape(-1)",
            "    return model.predict_classes(x_test)",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("learns_breast_cancer")
    assert "np.where(p >= 0.5, 1, 0)" in check.message and "predict_classes" in check.message, check.message


def test_softmax_on_one_unit_feedback_says_it_is_always_one():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "softmax on the single output unit")
    message = result.check("built_model_learns_breast_cancer").message
    assert "always 1.0" in message and "sigmoid" in message, message


def test_same_submission_same_score(tmp_path):
    edits, _ = WRONG_ANSWERS["learning rate ignored (Keras default 0.001)"]
    source = mutate(solution_source(EXERCISE), *edits)
    first, second = grade_source(EXERCISE, source, tmp_path), grade_source(EXERCISE, source, tmp_path)
    assert [(c.name, c.status, c.message) for c in first.checks] == [
        (c.name, c.status, c.message) for c in second.checks
    ], describe(first) + "\n" + describe(second)
