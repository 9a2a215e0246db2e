"""Exercise 10 cnn-model: stub 0, solution full, wrong models lose exactly their checks,
the course's Keras-2 style gets full marks, unsafe models are refused."""

from __future__ import annotations

import pytest

from support import describe, grade_source, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-10"
pytestmark = pytest.mark.slow

TABLES = {"course_convnet_layers", "other_input_shapes_and_classes"}


COURSE_STYLE = '''
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    model = Sequential([Conv2D(32, kernel_size=(3, 3), input_shape=input_shape, padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Conv2D(64, kernel_size=(3, 3), padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Flatten(),
                        Dense(128, activation='relu'),
                        Dense(n_classes, activation='softmax')])
    model.compile(optimizer=Adam(learning_rate=0.001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
'''


def test_the_courses_keras2_style_gets_full_marks(tmp_path):
    result = grade_source(EXERCISE, COURSE_STYLE, tmp_path)
    assert result.passed, describe(result)


WRONG_ANSWERS = {
    "relu output head": (
        [('Dense(n_classes, activation="softmax")', 'Dense(n_classes, activation="relu")')],
        TABLES | {"learns_digits"},
    ),
    "valid padding": (
        [('Conv2D(64, kernel_size=3, padding="same"', 'Conv2D(64, kernel_size=3, padding="valid"')],
        TABLES,
    ),
    "input shape hard-coded to the course's 28x28": (
        [("keras.Input(shape=input_shape)", "keras.Input(shape=(28, 28, 1))")],
        {"other_input_shapes_and_classes", "learns_digits"},
    ),
    "one-hot loss with integer labels": (
        [('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')],
        {"compiled_like_the_course", "learns_digits"},
    ),
    "learning rate 0.01": (
        [("Adam(learning_rate=0.001)", "Adam(learning_rate=0.01)")],
        {"compiled_like_the_course"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_relu_head_feedback_explains_softmax_side_by_side(tmp_path):
    edits, _ = WRONG_ANSWERS["relu output head"]
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), *edits), tmp_path)
    message = next(c.message for c in result.checks if c.name == "course_convnet_layers")
    assert "softmax" in message and "probabilities" in message, message
    assert "expected" in message and "yours" in message and "<-" in message, message


def test_a_truncated_model_fails_the_table(tmp_path):
    source = mutate(solution_source(EXERCISE), ('        Dense(128, activation="relu"),\n        Dense(n_classes, activation="softmax"),  # one probability per class\n', '        Dense(n_classes, activation="softmax"),\n'))
    result = grade_source(EXERCISE, source, tmp_path)
    check = next(c for c in result.checks if c.name == "course_convnet_layers")
    assert not check.passed and "missing" in check.message, check.message


def test_a_lambda_layer_is_refused_by_safe_mode(tmp_path):
    source = mutate(solution_source(EXERCISE), ("        Flatten(),\n", "        Flatten(),\n        keras.layers.Lambda(lambda t: t * 1.0),\n"))
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == 0, describe(result)
    assert all("safe mode" in c.message for c in result.checks), describe(result)


def test_keras2_optimizer_habit_gets_the_keras3_form(tmp_path):
    source = mutate(solution_source(EXERCISE), ("Adam(learning_rate=0.001)", "Adam(lr=0.001)"))
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == 0
    assert "learning_rate" in result.checks[0].message and "Keras 3" in result.checks[0].message, describe(result)


def test_same_submission_same_score(tmp_path):
    edits, _ = WRONG_ANSWERS["valid padding"]
    source = mutate(solution_source(EXERCISE), *edits)
    first, second = grade_source(EXERCISE, source, tmp_path), grade_source(EXERCISE, source, tmp_path)
    assert [(c.name, c.status, c.message) for c in first.checks] == [(c.name, c.status, c.message) for c in second.checks]
