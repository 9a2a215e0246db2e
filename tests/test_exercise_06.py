"""Exercise 06 forward-pass: stub 0, solution full, wrong answers lose exactly their checks,
and the grader's formulas equal keras.activations and keras.losses."""

from __future__ import annotations

import numpy as np
import pytest

from grader.exercises.exercise_06_forward_pass import checks
from support import grade_source, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-06"


WRONG_ANSWERS = {
    "softmax without subtracting the max": (
        [("shifted = np.exp(z - z.max(axis=-1, keepdims=True))", "shifted = np.exp(z)")],
        {"softmax_large_inputs"},
    ),
    "softmax over axis 0": (
        [("    shifted = np.exp(z - z.max(axis=-1, keepdims=True))\n    return shifted / shifted.sum(axis=-1, keepdims=True)",
          "    shifted = np.exp(z - z.max(axis=0, keepdims=True))\n    return shifted / shifted.sum(axis=0, keepdims=True)")],
        {"softmax_rows_sum_to_one", "softmax_large_inputs", "forward_stack"},
    ),
    "leaky_relu ignores alpha": (
        [("return np.where(z > 0, z, alpha * z)", "return np.where(z > 0, z, 0.01 * z)")],
        {"leaky_relu"},
    ),
    "binary cross-entropy without clipping": (
        [("    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)\n    return float(-np.mean(y * np.log(p)",
          "    p = np.asarray(p, dtype=float)\n    return float(-np.mean(y * np.log(p)")],
        {"binary_crossentropy_clips"},
    ),
    "losses summed instead of averaged": (
        [("return float(np.mean((np.asarray(y_true", "return float(np.sum((np.asarray(y_true"),
         ("return float(-np.mean(np.sum(y * np.log(p), axis=-1)))", "return float(-np.sum(y * np.log(p)))")],
        {"mse", "categorical_crossentropy"},
    ),
    "relu with np.max": (
        [("return np.maximum(0.0, np.asarray(z, dtype=float))", "return np.max(np.asarray(z, dtype=float)) * (np.asarray(z) > 0)")],
        {"relu", "forward_stack", "dense_forward"},
    ),
    "dense_forward forgets the bias": (
        [("@ np.asarray(weights, dtype=float) + np.asarray(bias, dtype=float)", "@ np.asarray(weights, dtype=float)")],
        {"dense_forward", "forward_stack"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_overflow_feedback_says_subtract_the_max(tmp_path):
    edits, _ = WRONG_ANSWERS["softmax without subtracting the max"]
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), *edits), tmp_path)
    message = next(c.message for c in result.checks if c.name == "softmax_large_inputs")
    assert "1000" in message and "max" in message, message


# --------------------------------------------------------------------------- the formulas equal Keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_activations_equal_keras(keras):
    rng = np.random.default_rng(6)
    for _ in range(20):
        z = rng.normal(0, 4, size=(int(rng.integers(1, 6)), int(rng.integers(2, 6))))
        np.testing.assert_allclose(checks.sigmoid(z), keras.ops.convert_to_numpy(keras.activations.sigmoid(z)), atol=1e-6)
        np.testing.assert_allclose(np.tanh(z), keras.ops.convert_to_numpy(keras.activations.tanh(z)), atol=1e-6)
        np.testing.assert_allclose(checks.relu(z), keras.ops.convert_to_numpy(keras.activations.relu(z)), atol=1e-6)
        np.testing.assert_allclose(checks.leaky_relu(z, 0.2), keras.ops.convert_to_numpy(keras.activations.leaky_relu(z, negative_slope=0.2)), atol=1e-6)
        np.testing.assert_allclose(checks.softmax(z), keras.ops.convert_to_numpy(keras.activations.softmax(z)), atol=1e-6)
    big = np.array([[1000.0, 1000.0]])
    np.testing.assert_allclose(checks.softmax(big), [[0.5, 0.5]])


def test_losses_equal_keras_away_from_the_clip_edges(keras):
    rng = np.random.default_rng(7)
    for _ in range(20):
        n, k = int(rng.integers(2, 30)), int(rng.integers(2, 6))
        y = rng.normal(size=(n, 1))
        p = rng.normal(size=(n, 1))
        assert checks.mse(y, p) == pytest.approx(float(keras.losses.MeanSquaredError()(y, p)), rel=1e-5)
        labels = rng.integers(0, 2, size=(n, 1)).astype(float)
        probabilities = rng.uniform(0.01, 0.99, size=(n, 1))
        assert checks.binary_crossentropy(labels, probabilities) == pytest.approx(float(keras.losses.BinaryCrossentropy()(labels, probabilities)), rel=1e-4)
        onehot = np.eye(k)[rng.integers(0, k, size=n)]
        soft = checks.softmax(rng.normal(size=(n, k)))
        assert checks.categorical_crossentropy(onehot, soft) == pytest.approx(float(keras.losses.CategoricalCrossentropy()(onehot, soft)), rel=1e-4)


def test_dense_forward_equals_a_keras_dense_layer(keras):
    rng = np.random.default_rng(8)
    for activation in (None, "relu", "sigmoid", "tanh", "softmax"):
        x = rng.normal(size=(5, 4)).astype("float32")
        layer = keras.layers.Dense(3, activation=activation)
        layer.build((None, 4))
        weights, bias = (np.asarray(w) for w in layer.get_weights())
        bias = rng.normal(size=3).astype("float32")
        layer.set_weights([weights, bias])
        np.testing.assert_allclose(checks.dense(x, weights, bias, activation), keras.ops.convert_to_numpy(layer(x)), atol=1e-5)
