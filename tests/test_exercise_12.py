"""Exercise 12 regularization: stub 0, solution full, wrong answers lose exactly their checks,
and the penalty formulas equal keras.regularizers."""

from __future__ import annotations

import numpy as np
import pytest

from support import grade_source, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-12"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "dropout after the output": (
        [('    model.add(layers.Dense(n_classes, activation="softmax"))  # nothing after the output', '    model.add(layers.Dense(n_classes, activation="softmax"))\n    model.add(layers.Dropout(dropout))')],
        {"output_layer_comes_last"},
    ),
    "no L2 on the hidden layers": (
        [(', kernel_regularizer=keras.regularizers.L2(l2)', "")],
        {"hidden_layers_have_l2"},
    ),
    "early stopping watches the training loss": (
        [('monitor="val_loss"', 'monitor="loss"')],
        {"early_stopping_config"},
    ),
    "best weights not restored": (
        [("restore_best_weights=True", "restore_best_weights=False")],
        {"early_stopping_config"},
    ),
    "best epoch counted from 1": (
        [('    return int(np.argmin(history["val_loss"]))', '    return int(np.argmin(history["val_loss"])) + 1')],
        {"best_epoch"},
    ),
    "L1 and L2 swapped": (
        [("np.sum(np.abs(weights))", "np.sum(np.square(weights))"), ("np.sum(np.square(weights)))\n\n\ndef build", "np.sum(np.abs(weights)))\n\n\ndef build")],
        {"l1_penalty", "l2_penalty"},
    ),
    "batch_norm flag ignored": (
        [("        if batch_norm:\n            model.add(layers.BatchNormalization())", "        model.add(layers.BatchNormalization())")],
        {"batch_norm_can_be_turned_off"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_monitor_feedback_explains_validation_loss(tmp_path):
    edits, _ = WRONG_ANSWERS["early stopping watches the training loss"]
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), *edits), tmp_path)
    message = next(c.message for c in result.checks if c.name == "early_stopping_config")
    assert "val_loss" in message and "training loss" in message, message


def test_penalties_equal_keras_regularizers():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(12)
    for _ in range(20):
        weights = rng.normal(0, 2, size=(int(rng.integers(1, 8)), int(rng.integers(1, 8)))).astype("float32")
        lam = float(rng.choice([1e-4, 0.01, 0.3]))
        assert lam * np.abs(weights).sum() == pytest.approx(float(keras.regularizers.L1(lam)(weights)), rel=1e-5)
        assert lam * np.square(weights).sum() == pytest.approx(float(keras.regularizers.L2(lam)(weights)), rel=1e-5)
