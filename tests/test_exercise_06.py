"""Exercise 06 forward-pass: stub 0, solution full, wrong answers lose exactly their checks,
the checks survive odd learner output, grading never imports TensorFlow, and the grader's
formulas equal keras.activations, keras.losses and a real Dense layer."""

from __future__ import annotations

import numpy as np
import pytest
from support import describe, feedback_test, grade_source, mutate, odd_answer_test, solution_source, wrong_answer_test

from grader.exercises.exercise_06_forward_pass import checks

EXERCISE = "exercise-06"

SOFTMAX_BODY = (
    "    shifted = np.exp(z - z.max(axis=-1, keepdims=True))\n    return shifted / shifted.sum(axis=-1, keepdims=True)"
)
BCE_CLIP = "    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)  # log(0) never happens\n"
CCE_CLIP = "    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)\n    # Sum over"
CCE_RETURN = "return float(-np.mean(np.sum(y * np.log(p), axis=-1)))"

WRONG_ANSWERS = {
    "softmax without subtracting the max": (
        [("shifted = np.exp(z - z.max(axis=-1, keepdims=True))", "shifted = np.exp(z)")],
        {"softmax_large_inputs"},
    ),
    "softmax subtracts the max of the whole array": (
        [("shifted = np.exp(z - z.max(axis=-1, keepdims=True))", "shifted = np.exp(z - np.max(z))")],
        {"softmax_large_inputs"},
    ),
    "softmax over axis 0": (
        [(SOFTMAX_BODY, SOFTMAX_BODY.replace("axis=-1", "axis=0"))],
        {"softmax_rows_sum_to_one"},
    ),
    "sigmoid without the minus sign": (
        [
            (
                "positive = 1.0 / (1.0 + np.exp(-np.abs(z)))\n    return np.where(z >= 0, positive, 1.0 - positive)",
                "return 1.0 / (1.0 + np.exp(z))",
            )
        ],
        {"course_forward_and_loss", "sigmoid", "course_worked_numbers"},
    ),
    "relu with np.max": (
        [("return np.maximum(0.0, np.asarray(z, dtype=float))", "return np.max(np.asarray(z, dtype=float), 0)")],
        {"relu"},
    ),
    "leaky_relu ignores alpha": (
        [("return np.where(z > 0, z, alpha * z)", "return np.where(z > 0, z, 0.01 * z)")],
        {"leaky_relu_alpha"},
    ),
    "leaky_relu is plain relu": (
        [("return np.where(z > 0, z, alpha * z)", "return np.maximum(0.0, z)")],
        {"leaky_relu", "leaky_relu_alpha"},
    ),
    "dense_forward forgets the bias": (
        [("@ np.asarray(weights, dtype=float) + np.asarray(bias, dtype=float)", "@ np.asarray(weights, dtype=float)")],
        {"dense_forward_linear"},
    ),
    "dense_forward ignores the activation": (
        [("    return ACTIVATIONS[activation](z)", "    return z")],
        {"course_forward_and_loss", "dense_forward_activation"},
    ),
    "forward returns the first layer only": (
        [
            (
                "        x = dense_forward(x, weights, bias, activation)\n    return x",
                "        return dense_forward(x, weights, bias, activation)",
            )
        ],
        {"course_forward_and_loss", "forward_stack"},
    ),
    "mse is the mean absolute error": (
        [
            (
                "return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))",
                "return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))",
            )
        ],
        {"course_forward_and_loss", "mse"},
    ),
    "losses summed instead of averaged": (
        [
            ("return float(np.mean((np.asarray(y_true", "return float(np.sum((np.asarray(y_true"),
            (CCE_RETURN, "return float(-np.sum(y * np.log(p)))"),
        ],
        {"mse", "categorical_crossentropy"},
    ),
    "categorical cross-entropy averaged over all N * k numbers": (
        [(CCE_RETURN, "return float(-np.mean(y * np.log(p)))")],
        {"categorical_crossentropy"},
    ),
    "binary cross-entropy without clipping": (
        [(BCE_CLIP, "    p = np.asarray(p, dtype=float)\n")],
        {"binary_crossentropy_clips"},
    ),
    "binary cross-entropy clipped at 1e-15": (
        [(BCE_CLIP, BCE_CLIP.replace("EPSILON, 1 - EPSILON", "1e-15, 1 - 1e-15"))],
        {"binary_crossentropy_clips"},
    ),
    "binary cross-entropy with only the y log p term": (
        [("return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))", "return float(-np.mean(y * np.log(p)))")],
        {"binary_crossentropy"},
    ),
    "categorical cross-entropy without clipping": (
        [(CCE_CLIP, "    p = np.asarray(p, dtype=float)\n    # Sum over")],
        {"categorical_crossentropy_clips"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


FEEDBACK = [
    ("softmax without subtracting the max", "softmax_large_inputs", ["overflowed for input 1000", "row max"]),
    ("softmax subtracts the max of the whole array", "softmax_large_inputs", ["WHOLE array", "each row"]),
    ("softmax over axis 0", "softmax_rows_sum_to_one", ["axis 0", "sum to 1"]),
    ("binary cross-entropy without clipping", "binary_crossentropy_clips", ["nan", "log(0)", "1e-7"]),
    ("binary cross-entropy clipped at 1e-15", "binary_crossentropy_clips", ["-log(1e-15)", "1e-7"]),
    ("losses summed instead of averaged", "mse", ["SUM", "mean"]),
    ("leaky_relu ignores alpha", "leaky_relu_alpha", ["alpha = 0.01", "alpha=0.2"]),
    ("dense_forward forgets the bias", "dense_forward_linear", ["x @ W + b"]),
    ("relu with np.max", "relu", ["np.maximum(0, z)"]),
    ("mse is the mean absolute error", "mse", ["ABSOLUTE"]),
]

test_feedback_names_the_mistake = feedback_test(EXERCISE, WRONG_ANSWERS, FEEDBACK)


ODD_ANSWERS = [
    (
        "return np.tanh(np.asarray(z, dtype=float))",
        "return np.tanh(np.asarray(z, dtype=float)).tolist()",
        "tanh",
        "numpy array",
    ),
    (
        "return np.maximum(0.0, np.asarray(z, dtype=float))",
        "return np.full(np.shape(z), 'x')",
        "relu",
        "array of numbers",
    ),
    ("return np.where(z > 0, z, alpha * z)", "return np.full(z.shape, np.nan)", "leaky_relu", "NaN"),
    (
        "    for weights, bias, activation in layers:",
        "    return None\n    for weights, bias, activation in layers:",
        "forward_stack",
        "NoneType",
    ),
    ("return float(np.mean((np.asarray(y_true", "return np.array([np.nan])  # (np.asarray(y_true", "mse", "one number"),
    (
        "    y = np.asarray(y_true_onehot, dtype=float)\n",
        "    return float('inf')\n",
        "categorical_crossentropy",
        "inf",
    ),
]


test_odd_return_values_fail_with_a_message_never_crash_the_checker = odd_answer_test(EXERCISE, ODD_ANSWERS)


# --------------------------------------------------------------------------- the formulas equal Keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _np(keras, tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_activations_equal_keras(keras):
    rng = np.random.default_rng(6)
    for _ in range(30):
        z = rng.normal(0, 4, size=(int(rng.integers(1, 6)), int(rng.integers(2, 6))))
        alpha = float(rng.uniform(0.01, 0.3))
        np.testing.assert_allclose(checks.sigmoid(z), _np(keras, keras.activations.sigmoid(z)), atol=1e-6)
        np.testing.assert_allclose(np.tanh(z), _np(keras, keras.activations.tanh(z)), atol=1e-6)
        np.testing.assert_allclose(checks.relu(z), _np(keras, keras.activations.relu(z)), atol=1e-6)
        np.testing.assert_allclose(
            checks.leaky_relu(z, alpha), _np(keras, keras.activations.leaky_relu(z, negative_slope=alpha)), atol=1e-6
        )
        np.testing.assert_allclose(
            checks.leaky_relu(z), _np(keras, keras.activations.leaky_relu(z, negative_slope=0.01)), atol=1e-6
        )
        np.testing.assert_allclose(checks.softmax(z), _np(keras, keras.activations.softmax(z)), atol=1e-6)
    big = np.array([[1000.0, 1000.0], [1000.0, 990.0], [-1000.0, -990.0]])
    np.testing.assert_allclose(checks.softmax(big), _np(keras, keras.activations.softmax(big)), atol=1e-6)
    np.testing.assert_allclose(checks.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


def test_losses_equal_keras_away_from_the_clip_edges(keras):
    rng = np.random.default_rng(7)
    for _ in range(30):
        n, k, m = int(rng.integers(2, 30)), int(rng.integers(2, 6)), int(rng.integers(1, 4))
        y, p = rng.normal(size=(n, m)), rng.normal(size=(n, m))
        assert checks.mse(y, p) == pytest.approx(float(keras.losses.MeanSquaredError()(y, p)), rel=1e-5)
        labels = rng.integers(0, 2, size=(n, 1)).astype(float)
        probabilities = rng.uniform(0.01, 0.99, size=(n, 1))
        assert checks.binary_crossentropy(labels, probabilities) == pytest.approx(
            float(keras.losses.BinaryCrossentropy()(labels, probabilities)), rel=1e-5
        )
        onehot = np.eye(k)[rng.integers(0, k, size=n)]
        soft = checks.softmax(rng.normal(size=(n, k)))
        assert checks.categorical_crossentropy(onehot, soft) == pytest.approx(
            float(keras.losses.CategoricalCrossentropy()(onehot, soft)), rel=1e-5
        )


def test_at_the_clip_edges_the_tolerance_accepts_keras_float32_value(keras):
    for label, probability in ((0.0, 1.0), (1.0, 0.0)):
        y, p = np.array([[label]]), np.array([[probability]])
        ours = checks.binary_crossentropy(y, p)
        theirs = float(keras.losses.BinaryCrossentropy()(y, p))
        # float32: 1 - 1e-7 rounds, so y = 0, p = 1 gives 15.942 in Keras; float64 gives 16.118.
        assert ours == pytest.approx(16.118, abs=1e-3) and theirs in (
            pytest.approx(15.942, abs=1e-3),
            pytest.approx(16.118, abs=1e-3),
        )
        assert abs(theirs - ours) <= checks.EDGE_RTOL * ours


def test_dense_forward_equals_a_keras_dense_layer(keras):
    rng = np.random.default_rng(8)
    for activation in (None, "relu", "sigmoid", "tanh", "softmax"):
        x = rng.normal(size=(5, 4)).astype("float32")
        layer = keras.layers.Dense(3, activation=activation)
        layer.build((None, 4))
        weights = rng.normal(size=(4, 3)).astype("float32")
        bias = rng.normal(size=3).astype("float32")
        layer.set_weights([weights, bias])
        np.testing.assert_allclose(checks.dense(x, weights, bias, activation), _np(keras, layer(x)), atol=1e-5)


def test_keras_leaky_relu_slope_in_dense_forward_gets_full_marks(tmp_path):
    """Keras's activation="leaky_relu" has slope 0.2; the stub says Keras's names are accepted, so it is."""
    source = mutate(
        solution_source(EXERCISE), ('"leaky_relu": leaky_relu,', '"leaky_relu": lambda z: leaky_relu(z, 0.2),')
    )
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed, describe(result)


@pytest.mark.parametrize(
    "body, word",
    [
        ("0.5 * np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)", "½·mean"),
        ("0.5 * np.sum((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)", "½·Σ"),
    ],
)
def test_the_textbook_half_in_mse_is_named(body, word, tmp_path):
    old = "float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))"
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), (old, f"float({body})")), tmp_path)
    assert not result.internal_error, describe(result)
    assert word in result.check("mse").message, describe(result)


# --------------------------------------------------------------------------- the course's worked numbers


def test_the_course_forward_pass_and_mse_are_a_check_of_their_own(tmp_path):
    """The stub's worked numbers (0.436 and 0.001296) are graded, with the course's numbers in the message."""
    source = mutate(
        solution_source("exercise-06"),
        (
            "return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))",
            "return float(np.sum((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2) / 2)",
        ),
    )
    result = grade_source("exercise-06", source, tmp_path)
    check = result.check("course_forward_and_loss")
    assert not check.passed and "0.001296" in check.message, describe(result)
    assert np.isclose(
        checks.dense(checks.dense(checks.COURSE_X, *checks.COURSE_LAYERS[0]), *checks.COURSE_LAYERS[1]),
        0.4355,
        atol=1e-4,
    ).all()


@pytest.mark.parametrize(
    "error_type, error",
    [
        ("TypeError", "Input() got an unexpected keyword argument 'input_dim'"),
        ("ValueError", "You must pass a `shape` argument."),  # keras.layers.InputLayer(input_dim=3)
    ],
)
def test_input_dim_gets_the_keras3_form(error_type, error):
    from grader.checking.explain import explain
    from grader.messages import catalogue_for

    message_id = explain(error_type, error)
    assert message_id == "explain.input_dim"
    assert "keras.Input(shape=(n,))" in catalogue_for(None).render(message_id)
