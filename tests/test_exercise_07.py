"""Exercise 07 gradient-descent: stub 0, solution full, wrong answers lose exactly their checks,
accepted variants keep full marks, odd return values never crash the checker, grading never
imports TensorFlow, and the checks' math equals the analytic gradient, a Keras SGD step and
tf.data's batch count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import (
    describe,
    feedback_test,
    grade_source,
    mutate,
    odd_answer_test,
    solution_source,
    stub_source,
    wrong_answer_test,
)

from grader.exercises.exercise_07_gradient_descent import checks

EXERCISE = "exercise-07"

STEP_RETURN = "return w - learning_rate * grad_w, float(b - learning_rate * grad_b)"
RECORD_LOSS = "        losses.append(_mse(w, b, x, y))  # the real loss, even when it grows"
PERCEPTRON_UPDATE = "            w = w + learning_rate * error * x_i\n            b = b + learning_rate * error"

WRONG_ANSWERS = {
    "floor instead of ceil": (
        [("return math.ceil(n_samples / batch_size)", "return n_samples // batch_size")],
        {"iterations_partial_batch"},
    ),
    "always one more batch": (
        [("return math.ceil(n_samples / batch_size)", "return n_samples // batch_size + 1")],
        {"iterations_course_example", "iterations_exact_batches"},
    ),
    "np.ceil returns a float": (
        [("return math.ceil(n_samples / batch_size)", "return np.ceil(n_samples / batch_size)")],
        {"iterations_course_example"},
    ),
    "gradient sign flipped": (
        [(STEP_RETURN, "return w + learning_rate * grad_w, float(b + learning_rate * grad_b)")],
        {"gradient_step_weights", "gradient_step_bias", "fit_converges_with_a_small_learning_rate"},
    ),
    "gradient without the factor 2": (
        [
            ("grad_w = 2.0 / len(y) * x.T @ error", "grad_w = 1.0 / len(y) * x.T @ error"),
            ("grad_b = 2.0 * float(np.mean(error))", "grad_b = float(np.mean(error))"),
        ],
        {"gradient_step_weights", "gradient_step_bias"},
    ),
    "gradient summed over samples instead of averaged": (
        [
            ("grad_w = 2.0 / len(y) * x.T @ error", "grad_w = 2.0 * x.T @ error"),
            ("grad_b = 2.0 * float(np.mean(error))", "grad_b = 2.0 * float(np.sum(error))"),
        ],
        {"gradient_step_weights", "gradient_step_bias", "fit_converges_with_a_small_learning_rate"},
    ),
    "bias never updated": (
        [(STEP_RETURN, "return w - learning_rate * grad_w, float(b)")],
        {"gradient_step_bias", "fit_converges_with_a_small_learning_rate"},
    ),
    "divergence hidden by keeping the best loss": (
        [(RECORD_LOSS, "        losses.append(min([_mse(w, b, x, y), *losses]))")],
        {"fit_diverges_with_a_large_learning_rate"},
    ),
    "fitting stops when the loss grows": (
        [(RECORD_LOSS, "        if losses and _mse(w, b, x, y) > losses[-1]:\n            break\n" + RECORD_LOSS)],
        {"fit_diverges_with_a_large_learning_rate"},
    ),
    "losses are the root mean squared error": (
        [(RECORD_LOSS, "        losses.append(math.sqrt(_mse(w, b, x, y)))")],
        {"fit_loss_history"},
    ),
    "step function with > 0": (
        [("return np.where(np.asarray(z) >= 0, 1, 0)", "return np.where(np.asarray(z) > 0, 1, 0)")],
        {"step_function"},
    ),
    "perceptron update with the wrong sign": (
        [(PERCEPTRON_UPDATE, PERCEPTRON_UPDATE.replace("+ learning_rate", "- learning_rate"))],
        {"perceptron_rule", "perceptron_learns_and_or", "perceptron_separates_random_data"},
    ),
    "perceptron ignores the learning rate": (
        [(PERCEPTRON_UPDATE, PERCEPTRON_UPDATE.replace("learning_rate * ", ""))],
        {"perceptron_rule"},
    ),
    "perceptron runs one epoch only": (
        [
            (
                "    for _ in range(epochs):\n        for x_i, y_i in zip(x, y):",
                "    for _ in range(1):\n        for x_i, y_i in zip(x, y):",
            )
        ],
        {"perceptron_rule", "perceptron_learns_and_or", "perceptron_separates_random_data"},
    ),
    "XOR believed separable": (
        [("    return False", "    return True")],
        {"perceptron_learns_and_or"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


ACCEPTED_VARIANTS = {
    "losses recorded before each update": [
        (RECORD_LOSS + "\n", ""),
        (
            "        w, b = gradient_step(w, b, x, y, learning_rate)\n",
            "        losses.append(_mse(w, b, x, y))\n        w, b = gradient_step(w, b, x, y, learning_rate)\n",
        ),
    ],
    "losses as a numpy array and b as a one-element array": [
        ("    return w, b, losses", "    return w, np.array([b]), np.array(losses)"),
    ],
    "step function returns booleans": [
        ("return np.where(np.asarray(z) >= 0, 1, 0)", "return np.asarray(z) >= 0"),
    ],
    "iterations with the negative floor-division trick": [
        ("return math.ceil(n_samples / batch_size)", "return -(-n_samples // batch_size)"),
    ],
    "xor answer as numpy bool": [
        ("    return False", "    return np.bool_(False)"),
    ],
}


@pytest.mark.parametrize("name", list(ACCEPTED_VARIANTS))
def test_accepted_variants_keep_full_marks(name, tmp_path):
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), *ACCEPTED_VARIANTS[name]), tmp_path)
    assert result.passed and result.score == result.max_score, describe(result)


FEEDBACK = [
    ("gradient sign flipped", "gradient_step_weights", ["uphill", "subtract"]),
    ("gradient sign flipped", "fit_converges_with_a_small_learning_rate", ["sign"]),
    ("floor instead of ceil", "iterations_partial_batch", ["math.ceil", "one more weight update"]),
    ("np.ceil returns a float", "iterations_course_example", ["float", "int"]),
    (
        "divergence hidden by keeping the best loss",
        "fit_diverges_with_a_large_learning_rate",
        ["grows each epoch", "divergence"],
    ),
    (
        "fitting stops when the loss grows",
        "fit_diverges_with_a_large_learning_rate",
        ["divergence", "Do not stop early"],
    ),
    ("step function with > 0", "step_function", [">="]),
    ("perceptron ignores the learning rate", "perceptron_rule", ["learning_rate="]),
    ("gradient summed over samples instead of averaged", "gradient_step_weights", ["MEAN"]),
]

test_feedback_names_the_mistake = feedback_test(EXERCISE, WRONG_ANSWERS, FEEDBACK)


ODD_ANSWERS = [
    (STEP_RETURN, "return [float('nan')] * len(w), float('nan')", "gradient_step_weights", "NaN"),
    (STEP_RETURN, "return w - learning_rate * grad_w", "gradient_step_bias", "tuple (w, b)"),
    ("    return w, b, losses", "    return w, b, 'done'", "fit_loss_history", "list of losses"),
    (
        "    return w, b, losses",
        "    return w, b, [float('inf')] * len(losses)",
        "fit_converges_with_a_small_learning_rate",
        "inf",
    ),
    (
        "return np.where(np.asarray(z) >= 0, 1, 0)",
        "return np.where(np.asarray(z) >= 0, 'yes', 'no')",
        "step_function",
        "0s and 1s",
    ),
    ("    return w, float(b)", "    return w.tolist(), None", "perceptron_learns_and_or", "NoneType"),
    ("    return False", "    return 'no'", "perceptron_learns_and_or", "bool"),
]


test_odd_return_values_fail_with_a_message_never_crash_the_checker = odd_answer_test(EXERCISE, ODD_ANSWERS)


# --------------------------------------------------------------------------- the checks' math


def test_finite_differences_equal_the_analytic_gradient():
    rng = np.random.default_rng(7)
    for _ in range(20):
        x, y = checks.linear_problem(rng)
        w, b = rng.normal(size=x.shape[1]), float(rng.normal())
        grad_w, grad_b = checks.numeric_gradient(w, b, x, y)
        error = x @ w + b - y
        np.testing.assert_allclose(grad_w, 2 / len(y) * x.T @ error, rtol=1e-5, atol=1e-6)
        assert grad_b == pytest.approx(2 * error.mean(), rel=1e-5, abs=1e-6)


def test_the_large_rate_really_diverges_and_the_small_one_converges():
    rng = np.random.default_rng(8)
    for _ in range(20):
        x, y = checks.linear_problem(rng)
        curvature = checks.largest_curvature(x)
        for factor in (1.0, 0.5, 2.0):  # the right gradient, and the half- and double-size mistakes
            _, _, diverging, _ = checks.simulate(x, y, factor * 5.0 / curvature, 20)
            assert diverging[-1] > 100 * diverging[0]
        w, b, converging, _ = checks.simulate(x, y, 0.5 / curvature, 300)
        assert all(a >= b_ - 1e-12 for a, b_ in zip(converging, converging[1:]))
        best_w, best_b = checks.least_squares(x, y)
        assert np.all(np.abs(w - best_w) < 0.01) and abs(b - best_b) < 0.01
        w, b, _, _ = checks.simulate(x, y, 0.25 / curvature, 300)  # a half-size gradient still converges
        assert np.all(np.abs(w - best_w) < 0.05) and abs(b - best_b) < 0.05


def test_the_perceptron_simulation_separates_its_data_and_learns_and_or():
    rng = np.random.default_rng(9)
    for _ in range(20):
        x, y = checks.separable_data(rng)
        w, b = checks.perceptron(x, y, 50, 1.0)
        assert checks._separates(w, b, x, y)
    for y in ([0, 0, 0, 1], [0, 1, 1, 1]):
        w, b = checks.perceptron(checks.LOGIC_X, np.array(y), 10, 1.0)
        assert checks._separates(w, b, checks.LOGIC_X, np.array(y))
    xor = np.array([0, 1, 1, 0])
    w, b = checks.perceptron(checks.LOGIC_X, xor, 100, 1.0)
    assert not checks._separates(w, b, checks.LOGIC_X, xor)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_one_gradient_step_equals_a_keras_sgd_step(keras):
    rng = np.random.default_rng(10)
    for _ in range(5):
        x, y = checks.linear_problem(rng)
        w, b = rng.normal(size=x.shape[1]), float(rng.normal())
        learning_rate = float(rng.choice([0.001, 0.01, 0.05]))
        model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(1)])
        model.set_weights([w.reshape(-1, 1).astype("float32"), np.array([b], dtype="float32")])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
        model.train_on_batch(x.astype("float32"), y.reshape(-1, 1).astype("float32"))
        keras_w, keras_b = model.get_weights()
        grad_w, grad_b = checks.numeric_gradient(w, b, x, y)
        np.testing.assert_allclose(keras_w.ravel(), w - learning_rate * grad_w, rtol=1e-4, atol=1e-5)
        assert float(keras_b[0]) == pytest.approx(b - learning_rate * grad_b, rel=1e-4, abs=1e-5)


def test_iterations_equal_the_number_of_tf_data_batches(keras):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(11)
    for _ in range(30):
        n, batch = int(rng.integers(1, 3000)), int(rng.integers(1, 300))
        assert len(tf.data.Dataset.range(n).batch(batch)) == math.ceil(n / batch)


def test_the_xor_answer_alone_earns_nothing(tmp_path):
    """A yes/no question is a coin toss: answering it without a working perceptron scores 0."""
    stub = stub_source(EXERCISE)
    body = stub[stub.index("def xor_separable") :]
    guessed = stub.replace(body, body.replace("raise NotImplementedError", "return False", 1))
    result = grade_source(EXERCISE, guessed, tmp_path)
    assert result.score == 0, describe(result)
