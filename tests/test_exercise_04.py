"""Exercise 04 parameter-counts: stub 0, solution full, wrong answers lose exactly their checks,
and the grader's math equals Keras's own parameter counts."""

from __future__ import annotations

import numpy as np
import pytest
from support import describe, grade_source, mutate, solution_source, wrong_answer_test

from grader.exercises.exercise_04_parameter_counts import checks

EXERCISE = "exercise-04"


WRONG_ANSWERS = {
    "dense forgets the bias": (
        [("return n_inputs * units + (units if use_bias else 0)", "return n_inputs * units")],
        {"dense_with_bias", "course_examples", "mlp_random_stacks"},
    ),
    "dense ignores use_bias": (
        [("return n_inputs * units + (units if use_bias else 0)", "return n_inputs * units + units")],
        {"dense_without_bias"},
    ),
    "mlp feeds n_inputs to every layer": (
        [("        previous = units\n", "")],
        {"course_examples", "mlp_random_stacks"},
    ),
    "conv forgets the bias": (
        [("(1 if use_bias else 0)) * filters", "0) * filters")],
        {"conv2d_square_kernel", "conv2d_rectangular_kernel"},
    ),
    "conv forgets the input channels": (
        [("kernel_h * kernel_w * in_channels +", "kernel_h * kernel_w +")],
        {"conv2d_square_kernel", "conv2d_rectangular_kernel", "conv2d_without_bias"},
    ),
    "conv squares the first kernel side": (
        [("kernel_h, kernel_w = kernel_size\n", "kernel_h = kernel_w = kernel_size[0]\n")],
        {"conv2d_rectangular_kernel"},
    ),
    "batchnorm counts all four as one number": (
        [("return (2 * channels, 2 * channels)", "return 4 * channels")],
        {"batchnorm"},
    ),
    "hard-coded to the course's examples": (
        [
            (
                "return n_inputs * units + (units if use_bias else 0)",
                "return {(784, 100): 78500, (100, 10): 1010}.get((n_inputs, units), 0)",
            ),
            ("    total = 0\n", "    return 266610\n    total = 0\n"),
        ],
        {"dense_with_bias", "dense_without_bias", "mlp_random_stacks"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_feedback_names_the_missing_bias(tmp_path):
    source = mutate(
        solution_source(EXERCISE), ("return n_inputs * units + (units if use_bias else 0)", "return n_inputs * units")
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("dense_with_bias")
    assert "bias" in check.message and "expected" in check.message, check.message


def test_returning_a_float_is_a_type_error_not_a_crash(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            "return n_inputs * units + (units if use_bias else 0)",
            "return float(n_inputs * units + (units if use_bias else 0))",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("dense_with_bias")
    assert check.status == "failed" and "whole number" in check.message, describe(result)


# --------------------------------------------------------------------------- the math equals Keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_dense_math_equals_keras(keras):
    rng = np.random.default_rng(4)
    for _ in range(30):
        n, units, use_bias = int(rng.integers(1, 500)), int(rng.integers(1, 300)), bool(rng.integers(0, 2))
        layer = keras.layers.Dense(units, use_bias=use_bias)
        layer.build((None, n))
        assert layer.count_params() == checks.expected_dense(n, units, use_bias)


def test_conv_math_equals_keras(keras):
    rng = np.random.default_rng(5)
    for _ in range(30):
        kh, kw = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        channels, filters, use_bias = int(rng.integers(1, 64)), int(rng.integers(1, 64)), bool(rng.integers(0, 2))
        layer = keras.layers.Conv2D(filters, (kh, kw), use_bias=use_bias)
        layer.build((None, 32, 32, channels))
        assert layer.count_params() == checks.expected_conv(kh, kw, channels, filters, use_bias)


def test_mlp_and_batchnorm_math_equal_keras(keras):
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(300),
            keras.layers.Dense(100),
            keras.layers.Dense(10),
        ]
    )
    assert model.count_params() == 266610
    for channels in (1, 7, 64):
        layer = keras.layers.BatchNormalization()
        layer.build((None, channels))
        trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
        frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
        assert (trainable, frozen) == (2 * channels, 2 * channels)
    for layer in (keras.layers.Flatten(), keras.layers.MaxPooling2D(2)):
        layer.build((None, 8, 8, 3))
        assert layer.count_params() == 0


def test_a_wrong_count_without_bias_says_there_are_no_biases(tmp_path):
    """It used to say "= n x units weights + units biases" for use_bias=False too."""
    wrong = "def dense_params(n_inputs, units, use_bias=True):\n    return 0\n"
    result = grade_source(EXERCISE, solution_source(EXERCISE) + "\n\n" + wrong, tmp_path)
    message = result.check("dense_without_bias").message
    assert "no biases" in message and "+" not in message, message
