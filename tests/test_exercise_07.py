"""Exercise 07 gradient-descent: stub 0, solution full, wrong answers lose exactly their checks,
and the checks' finite-difference gradient equals the analytic one."""

from __future__ import annotations

import numpy as np
import pytest

from grader.exercises.exercise_07_gradient_descent import checks
from support import grade_source, mutate, solution_source, wrong_answer_test

EXERCISE = "exercise-07"


WRONG_ANSWERS = {
    "floor instead of ceil": (
        [("return math.ceil(n_samples / batch_size)", "return n_samples // batch_size")],
        {"iterations_partial_batch"},
    ),
    "gradient sign flipped": (
        [("return w - learning_rate * grad_w, float(b - learning_rate * grad_b)", "return w + learning_rate * grad_w, float(b + learning_rate * grad_b)")],
        {"gradient_step", "fit_converges_with_a_small_learning_rate", "fit_loss_history"},
    ),
    "divergence hidden by keeping the best loss": (
        [("        losses.append(_mse(w, b, x, y))", "        losses.append(min([_mse(w, b, x, y), *losses]))")],
        {"fit_diverges_with_a_large_learning_rate"},
    ),
    "step function with > 0": (
        [("return np.where(np.asarray(z) >= 0, 1, 0)", "return np.where(np.asarray(z) > 0, 1, 0)")],
        {"step_function"},
    ),
    "perceptron update with the wrong sign": (
        [("            w = w + learning_rate * error * x_i\n            b = b + learning_rate * error",
          "            w = w - learning_rate * error * x_i\n            b = b - learning_rate * error")],
        {"perceptron_learns_and_or", "perceptron_separates_random_data"},
    ),
    "XOR believed separable": (
        [("    return False", "    return True")],
        {"xor_is_not_separable"},
    ),
    "gradient without the factor 2": (
        [("grad_w = 2.0 / len(y) * x.T @ error", "grad_w = 1.0 / len(y) * x.T @ error"), ("grad_b = 2.0 * float(np.mean(error))", "grad_b = float(np.mean(error))")],
        {"gradient_step", "fit_loss_history"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_sign_feedback_explains_downhill(tmp_path):
    edits, _ = WRONG_ANSWERS["gradient sign flipped"]
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), *edits), tmp_path)
    message = next(c.message for c in result.checks if c.name == "gradient_step")
    assert "uphill" in message and "subtract" in message, message


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
    for _ in range(10):
        x, y = checks.linear_problem(rng)
        curvature = checks.largest_curvature(x)
        _, _, diverging, _ = checks.simulate(x, y, 5.0 / curvature, 20)
        assert diverging[-1] > 100 * diverging[0]
        _, _, converging, _ = checks.simulate(x, y, 0.5 / curvature, 300)
        assert all(a >= b - 1e-12 for a, b in zip(converging, converging[1:]))
