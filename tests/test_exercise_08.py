"""Exercise 08 binary-classifier: wrong answers lose exactly their checks, a softmax head gets
a specific message, predict_classes gets the Keras 3 form, the same submission scores the same
twice. (Stub 0 and solution full marks: tests/test_contract.py.)"""

from __future__ import annotations

import pytest
from support import describe, grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

from grader.engine import GradeOptions

EXERCISE = "exercise-08"
pytestmark = pytest.mark.slow


PREDICT = (
    "    probabilities = model.predict(x_test, verbose=0)\n    return np.where(probabilities >= 0.5, 1, 0).reshape(-1)"
)
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
    # the type costs its own point; the classes in the list are still judged (it used to cost 4 more)
    "predictions as a Python list": (
        [(PREDICT, "    return [round(float(p[0])) for p in model.predict(x_test, verbose=0)]")],
        {"predictions_are_classes"},
    ),
    "argmax over the one sigmoid column": (
        [(PREDICT, "    return np.argmax(model.predict(x_test, verbose=0), axis=1)")],
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


def test_argmax_over_one_sigmoid_column_is_named():
    message = (
        grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "argmax over the one sigmoid column")
        .check("learns_breast_cancer")
        .message
    )
    assert "class 0 for every tumour" in message and "np.argmax" in message, message


def test_kaggles_large_batch_gets_full_marks(tmp_path):
    """Kaggle's deep-learning course fits with batch_size=512: one update per epoch. On seed 2 it used
    to stop at 0.93 > accuracy after the check's 15 epochs; the contract's 50 leave it room."""
    source = mutate(
        solution_source(EXERCISE),
        (
            "model.fit(x_train, y_train, epochs=epochs, verbose=0)",
            "model.fit(x_train, y_train, epochs=epochs, batch_size=512, verbose=0)",
        ),
        (PREDICT, "    return (model.predict(x_test, verbose=0) > 0.5).astype(int).reshape(-1)"),
    )
    result = grade_source(EXERCISE, source, tmp_path, options=GradeOptions(seed=2))
    assert result.score == result.max_score, describe(result)
