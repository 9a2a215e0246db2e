"""Exercise 02 layer-stack: wrong answers lose exactly their checks, the course's Keras-2 style
is accepted, Keras-2 habits that break get the Keras 3 form. (Stub 0 and solution full marks:
tests/test_contract.py.)"""

from __future__ import annotations

import pytest
from support import describe, grade_source, wrong_answer_test

EXERCISE = "exercise-02"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "relu on the output": (
        [
            (
                "    model.add(Dense(1))  # regression output",
                '    model.add(Dense(1, activation="relu"))  # regression output',
            )
        ],
        {"mlp_layers", "mlp_default_hidden_units", "mlp_beats_the_mean_on_diabetes"},
    ),
    "hidden layers without activation": (
        [('        model.add(Dense(units, activation="relu"))', "        model.add(Dense(units))")],
        {"mlp_layers", "mlp_default_hidden_units"},
    ),
    "compile ignores the learning rate": (
        [("optimizer=Adam(learning_rate=learning_rate)", "optimizer=Adam(learning_rate=0.001)")],
        {"compile_regression"},
    ),
    "compile forgets to return the model": (
        [
            (
                '    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")\n    return model',
                '    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")',
            )
        ],
        {"compile_regression"},
    ),
    "train returns the History object": (
        [("    return history.history", "    return history")],
        {"train_returns_history"},
    ),
    "train shuffles x apart from y": (
        [
            (
                "    history = model.fit(x, y,",
                "    import numpy as np\n    x = np.random.permutation(x)\n    history = model.fit(x, y,",
            )
        ],
        # its history's val_loss is measured on mismatched pairs, not on the last 20% of the rows given
        {"train_fits_the_given_model", "train_returns_history"},
    ),
    "train validates on 10% instead of the course's 20%": (
        [("validation_split=validation_split, verbose=0)", "validation_split=0.1, verbose=0)")],
        {"train_returns_history"},
    ),
    "linear regression with a sigmoid": (
        [("Dense(1)])", 'Dense(1, activation="sigmoid")])')],
        {"linear_regression_layers"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


COURSE_STYLE = """
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_linear_regression(n_features):
    return Sequential([Dense(1, input_shape=(n_features,))])


def build_mlp_regression(n_features, hidden_units=(64, 32)):
    layers = [Dense(hidden_units[0], input_dim=n_features, activation='relu')]
    layers += [Dense(u, activation='relu') for u in hidden_units[1:]]
    return Sequential(layers + [Dense(1)])


def compile_regression(model, learning_rate=0.001):
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss='mse')
    return model


def train(model, x, y, epochs=20, validation_split=0.2):
    return model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0).history
"""


def test_the_courses_keras2_style_gets_full_marks(tmp_path):
    result = grade_source(EXERCISE, COURSE_STYLE, tmp_path)
    assert result.passed, describe(result)


def test_sequential_without_a_list_gets_the_keras3_form(tmp_path):
    source = COURSE_STYLE.replace(
        "return Sequential([Dense(1, input_shape=(n_features,))])",
        "return Sequential(Dense(1, input_shape=(n_features,)))",
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("linear_regression_layers")
    assert not check.passed and "Sequential([" in check.message, check.message


def test_nb_epoch_gets_the_keras3_form(tmp_path):
    source = COURSE_STYLE.replace("epochs=epochs, validation_split", "nb_epoch=epochs, validation_split")
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("train_returns_history")
    assert not check.passed and "epochs=" in check.message, check.message
