"""Exercise 12 regularization: stub 0, solution full, wrong answers lose exactly their checks,
and the penalty formulas equal keras.regularizers."""

from __future__ import annotations

import numpy as np
import pytest
from support import describe, grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-12"
pytestmark = pytest.mark.slow


WRONG_ANSWERS = {
    "dropout after the output": (
        [
            (
                '    model.add(layers.Dense(n_classes, activation="softmax"))  # nothing after the output',
                '    model.add(layers.Dense(n_classes, activation="softmax"))\n    model.add(layers.Dropout(dropout))',
            )
        ],
        {"output_layer_comes_last"},
    ),
    "no L2 on the hidden layers": (
        [(", kernel_regularizer=keras.regularizers.L2(l2)", "")],
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
    "best epoch counted from 1": (  # is_overfitting builds on best_epoch, so it is off by one too (the boundary case shows it)
        [('    return int(np.argmin(history["val_loss"]))', '    return int(np.argmin(history["val_loss"])) + 1')],
        {"best_epoch", "is_overfitting"},
    ),
    "L2 with the textbook half": (
        [
            (
                "    return float(lam * np.sum(np.square(weights)))",
                "    return float(0.5 * lam * np.sum(np.square(weights)))",
            )
        ],
        {"l2_penalty"},
    ),
    "L1 and L2 swapped": (
        [
            ("np.sum(np.abs(weights))", "np.sum(np.square(weights))"),
            ("np.sum(np.square(weights)))\n\n\ndef build", "np.sum(np.abs(weights)))\n\n\ndef build"),
        ],
        {"l1_penalty", "l2_penalty"},
    ),
    "batch_norm flag ignored": (
        [
            (
                "        if batch_norm:\n            model.add(layers.BatchNormalization())",
                "        model.add(layers.BatchNormalization())",
            )
        ],
        {"batch_norm_can_be_turned_off"},
    ),
    "BatchNormalization after the output": (
        [
            (
                '    model.add(layers.Dense(n_classes, activation="softmax"))  # nothing after the output',
                '    model.add(layers.Dense(n_classes, activation="softmax"))\n    model.add(layers.BatchNormalization())',
            )
        ],
        {"output_layer_comes_last"},
    ),
    "input hard-coded to the course's 784": (
        [("keras.Input(shape=(n_features,))", "keras.Input(shape=(784,))")],
        {"input_takes_n_features"},
    ),
    "Dropout before BatchNormalization": (
        [
            (
                "        if batch_norm:\n            model.add(layers.BatchNormalization())\n        model.add(layers.Dropout(dropout))",
                "        model.add(layers.Dropout(dropout))\n        if batch_norm:\n            model.add(layers.BatchNormalization())",
            )
        ],
        {"batchnorm_and_dropout_after_each_hidden_layer"},
    ),
    "is_overfitting ignores the training loss": (
        [('    return bool(stalled and history["loss"][-1] < history["loss"][best])', "    return bool(stalled)")],
        {"is_overfitting"},
    ),
    "is_overfitting needs more than window epochs": (
        [('len(history["val_loss"]) - 1 - best >= window', 'len(history["val_loss"]) - 1 - best > window')],
        {"is_overfitting"},
    ),
    "augmentation also rescales (ImageDataGenerator's rescale=)": (
        [
            (
                '[layers.RandomFlip("horizontal"), layers.RandomRotation(20 / 360),',
                '[layers.Rescaling(1.0 / 255), layers.RandomFlip("horizontal"), layers.RandomRotation(20 / 360),',
            )
        ],
        {"augmentation_changes_images_in_training_only"},
    ),
    "augmentation rotates by 0.1 of a turn (36 degrees, not the course's 20)": (
        [("layers.RandomRotation(20 / 360)", "layers.RandomRotation(0.1)")],
        {"augmentation_layers"},
    ),
    "augmentation drops the course's 0.2 shifts": (
        [("layers.RandomRotation(20 / 360), layers.RandomTranslation(0.2, 0.2)]", "layers.RandomRotation(20 / 360)]")],
        {"augmentation_layers"},
    ),
    "augmentation flips vertically": (
        [
            (
                'layers.RandomFlip("horizontal"), layers.RandomRotation',
                'layers.RandomFlip("vertical"), layers.RandomRotation',
            )
        ],
        {"augmentation_layers"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_rotation_feedback_explains_degrees_and_turns():
    result = grade_wrong_answer(
        EXERCISE, WRONG_ANSWERS, "augmentation rotates by 0.1 of a turn (36 degrees, not the course's 20)"
    )
    message = result.check("augmentation_layers").message
    assert "36.0 degrees" in message and "20 / 360" in message, message


def test_monitor_feedback_explains_validation_loss():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "early stopping watches the training loss")
    message = result.check("early_stopping_config").message
    assert "val_loss" in message and "training loss" in message, message


def test_penalties_equal_keras_regularizers():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(12)
    for _ in range(20):
        weights = rng.normal(0, 2, size=(int(rng.integers(1, 8)), int(rng.integers(1, 8)))).astype("float32")
        lam = float(rng.choice([1e-4, 0.01, 0.3]))
        assert lam * np.abs(weights).sum() == pytest.approx(float(keras.regularizers.L1(lam)(weights)), rel=1e-5)
        assert lam * np.square(weights).sum() == pytest.approx(float(keras.regularizers.L2(lam)(weights)), rel=1e-5)


def test_dropout_after_output_feedback():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "dropout after the output")
    assert (
        "Dropout after the output layer randomly zeroes predictions" in result.check("output_layer_comes_last").message
    )


def test_rescaling_feedback_names_preprocessing():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "augmentation also rescales (ImageDataGenerator's rescale=)")
    message = result.check("augmentation_changes_images_in_training_only").message
    assert "preprocessing, not augmentation" in message and "0.003922" in message, message


def test_diverging_history_feedback():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "is_overfitting ignores the training loss")
    assert "diverging" in result.check("is_overfitting").message


def test_keras_regularizers_and_keras2_input_shape_get_full_marks(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        ("    return float(lam * np.sum(np.abs(weights)))", "    return float(keras.regularizers.L1(lam)(weights))"),
        (
            "    return float(lam * np.sum(np.square(weights)))",
            "    return keras.regularizers.L2(lam)(weights)",
        ),  # a tensor crosses as a 0-d array
        (
            "    model = keras.Sequential([keras.Input(shape=(n_features,))])\n    for units in hidden_units:\n        model.add(layers.Dense(units, ",
            "    model = keras.Sequential()\n    for i, units in enumerate(hidden_units):\n        model.add(layers.Dense(units, **({'input_shape': (n_features,)} if i == 0 else {}), ",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == result.max_score, describe(result)


def test_is_overfitting_definition_matches_the_stub_examples():
    from grader.exercises.exercise_12_regularization.checks import overfitting_expected

    history = {"loss": [1.0, 0.8, 0.6, 0.5, 0.4], "val_loss": [0.9, 0.7, 0.75, 0.8, 0.9]}
    assert overfitting_expected(history, 3) is True and overfitting_expected(history, 4) is False
    diverging = {"loss": [1.0, 0.8, 0.9, 1.0, 1.1], "val_loss": [0.9, 0.7, 0.75, 0.8, 0.9]}
    assert overfitting_expected(diverging, 3) is False


def test_hints_have_a_nudge_and_a_formula():
    import json

    from grader.registry import find_exercise

    catalogue = json.loads((find_exercise(EXERCISE).directory / "messages" / "en.json").read_text(encoding="utf-8"))
    for name, entry in catalogue["checks"].items():
        assert isinstance(entry["hint"], list) and len(entry["hint"]) >= 2, name


def test_half_l2_feedback_names_the_convention():
    message = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "L2 with the textbook half").check("l2_penalty").message
    assert "½" in message and "no ½" in message, message
