"""Hidden checks for exercise 07: iterations, a gradient step, fitting, the perceptron.

The gradient is checked against central finite differences of the MSE computed
here; fitting against a float64 simulation of the same algorithm; the
perceptron by what it must achieve (separating the data), not by its weights.
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import as_array, as_int, as_number, check, expect, fail, type_name

# ----------------------------------------------------------------------------- the math


def mse(w, b, x, y) -> float:
    return float(np.mean((x @ w + b - y) ** 2))


def numeric_gradient(w, b, x, y, h: float = 1e-6) -> tuple[np.ndarray, float]:
    """Central finite differences of the MSE: independent of any formula."""
    grad_w = np.zeros_like(w)
    for i in range(len(w)):
        step = np.zeros_like(w)
        step[i] = h
        grad_w[i] = (mse(w + step, b, x, y) - mse(w - step, b, x, y)) / (2 * h)
    grad_b = (mse(w, b + h, x, y) - mse(w, b - h, x, y)) / (2 * h)
    return grad_w, grad_b


def simulate(x, y, learning_rate: float, epochs: int) -> tuple[np.ndarray, float, list[float], list[float]]:
    """Gradient descent from zeros; losses after each update and before each update."""
    w, b = np.zeros(x.shape[1]), 0.0
    after, before = [], []
    for _ in range(epochs):
        before.append(mse(w, b, x, y))
        error = x @ w + b - y
        w, b = w - learning_rate * 2 / len(y) * x.T @ error, b - learning_rate * 2 * float(np.mean(error))
        after.append(mse(w, b, x, y))
    return w, b, after, before


def largest_curvature(x) -> float:
    """Largest eigenvalue of the MSE's Hessian in (w, b): steps above 2 / this diverge."""
    design = np.hstack([x, np.ones((len(x), 1))])
    return float(np.linalg.eigvalsh(2 / len(x) * design.T @ design).max())


def linear_problem(rng, noise: float = 0.1):
    n, features = int(rng.integers(30, 120)), int(rng.integers(1, 5))
    x = rng.normal(size=(n, features))
    w_true, b_true = rng.normal(0, 2, size=features), float(rng.normal(0, 2))
    return x, x @ w_true + b_true + rng.normal(0, noise, size=n)


def _number(value, call: str) -> float:
    return as_number(value, call, "a number")


def _pair(value, call: str, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) < 2:
        fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type=what)
    return tuple(value)


# ----------------------------------------------------------------------------- epochs and batches


@check(points=1)
def test_iterations_course_example(learner):
    found = as_int(learner.iterations_per_epoch(1000, 100), "iterations_per_epoch(1000, 100)")
    expect(found == 10, "course_iterations", found=found)


@check(points=2)
def test_iterations_partial_batch(learner, rng):
    for _ in range(15):
        batch = int(rng.integers(2, 300))
        n = batch * int(rng.integers(1, 50)) + int(rng.integers(1, batch))
        call = f"iterations_per_epoch({n}, {batch})"
        found = as_int(learner.iterations_per_epoch(n, batch), call)
        expected = math.ceil(n / batch)
        if found == n // batch:
            fail("iterations_floor", call=call, found=found, expected=expected, n=n, batch=batch, rest=n % batch)
        expect(found == expected, "iterations_wrong", call=call, found=found, expected=expected)


# ----------------------------------------------------------------------------- one step


@check(points=3)
def test_gradient_step(learner, rng):
    for _ in range(6):
        x, y = linear_problem(rng)
        w, b = rng.normal(size=x.shape[1]), float(rng.normal())
        learning_rate = float(rng.choice([0.001, 0.01, 0.05]))
        call = f"gradient_step(w {w.shape}, b, x {x.shape}, y {y.shape}, learning_rate={learning_rate})"
        found_w, found_b = _pair(learner.gradient_step(w, b, x, y, learning_rate), call, "a tuple (w, b)")[:2]
        found_w = as_array(found_w, call, shape=w.shape)
        found_b = _number(found_b, call)
        grad_w, grad_b = numeric_gradient(w, b, x, y)
        expected_w, expected_b = w - learning_rate * grad_w, b - learning_rate * grad_b
        if np.allclose(found_w, expected_w, atol=1e-6, rtol=1e-5) and abs(found_b - expected_b) < 1e-6 + 1e-5 * abs(expected_b):
            continue
        if np.allclose(found_w, w + learning_rate * grad_w, atol=1e-6, rtol=1e-5):
            fail("gradient_sign", call=call, before=round(mse(w, b, x, y), 4), after=round(mse(found_w, found_b, x, y), 4))
        if np.allclose(found_w, w - learning_rate * grad_w / 2, atol=1e-6, rtol=1e-5):
            fail("gradient_half", call=call)
        if np.allclose(found_w, w - grad_w, atol=1e-6, rtol=1e-5):
            fail("gradient_no_rate", call=call)
        fail("gradient_wrong", call=call, found=np.round(found_w[:3], 5), expected=np.round(expected_w[:3], 5), found_b=round(found_b, 5), expected_b=round(expected_b, 5))


# ----------------------------------------------------------------------------- fitting


def _fit(learner, x, y, learning_rate, epochs):
    call = f"fit_linear(x {x.shape}, y, learning_rate={learning_rate:g}, epochs={epochs})"
    value = _pair(learner.fit_linear(x, y, learning_rate=learning_rate, epochs=epochs), call, "a tuple (w, b, losses)")
    if len(value) != 3:
        fail("engine.wrong_type", call=call, found_type=f"a tuple of {len(value)}", found=value, expected_type="a tuple (w, b, losses)")
    found_w = as_array(value[0], call, shape=(x.shape[1],))
    found_b = _number(value[1], call)
    losses = value[2]
    if not isinstance(losses, (list, tuple, np.ndarray)):
        fail("engine.wrong_type", call=call, found_type=type_name(losses), found=losses, expected_type="a list of losses, one per epoch")
    losses = np.asarray([_number(v, call) for v in np.ravel(np.asarray(losses, dtype=object))], dtype=float)
    return call, found_w, found_b, losses


@check(points=2)
def test_fit_converges_with_a_small_learning_rate(learner, rng):
    for _ in range(2):
        x, y = linear_problem(rng)
        learning_rate = 0.5 / largest_curvature(x)
        call, found_w, found_b, losses = _fit(learner, x, y, learning_rate, 300)
        design = np.hstack([x, np.ones((len(x), 1))])
        best = np.linalg.lstsq(design, y, rcond=None)[0]
        expect(np.all(np.isfinite(losses)) and losses[-1] < losses[0], "fit_not_falling", call=call, first=losses[:1], last=losses[-1:])
        expect(
            np.allclose(found_w, best[:-1], atol=0.05) and abs(found_b - best[-1]) < 0.05,
            "fit_not_converged",
            call=call,
            found=np.round(found_w, 3),
            expected=np.round(best[:-1], 3),
        )


@check(points=2)
def test_fit_diverges_with_a_large_learning_rate(learner, rng):
    x, y = linear_problem(rng)
    learning_rate = round(5.0 / largest_curvature(x), 3)  # diverges even with a half-size gradient
    call, _, _, losses = _fit(learner, x, y, learning_rate, 20)
    expect(len(losses) == 20, "losses_length", call=call, found=len(losses), expected=20)
    grew = (not np.all(np.isfinite(losses))) or losses[-1] > 100 * max(losses[0], 1e-12)
    expect(grew, "divergence_hidden", call=call, rate=learning_rate, first=np.round(losses[:2], 3), last=np.round(losses[-2:], 3))


@check(points=1)
def test_fit_loss_history(learner, rng):
    x, y = linear_problem(rng)
    learning_rate = 0.3 / largest_curvature(x)
    epochs = int(rng.integers(5, 40))
    call, _, _, losses = _fit(learner, x, y, learning_rate, epochs)
    expect(len(losses) == epochs, "losses_length", call=call, found=len(losses), expected=epochs)
    _, _, after, before = simulate(x, y, learning_rate, epochs)
    expect(np.allclose(losses, after, rtol=1e-4) or np.allclose(losses, before, rtol=1e-4), "losses_wrong", call=call, found=np.round(losses[:3], 4), expected=np.round(after[:3], 4))


# ----------------------------------------------------------------------------- the perceptron


@check(points=1)
def test_step_function(learner, rng):
    z = np.concatenate([[0.0, -0.0], rng.normal(0, 3, size=20)])
    call = "step_function(<array including 0.0>)"
    found = as_array(learner.step_function(z), call, shape=z.shape)
    expected = np.where(z >= 0, 1, 0)
    if found[0] == 0 and np.array_equal(found[2:], expected[2:]):
        fail("step_at_zero", call=call)
    expect(np.array_equal(found, expected), "step_wrong", call=call, found=found[:6], expected=expected[:6])


def _separates(w, b, x, y) -> bool:
    """Separated under the step convention z >= 0 (or z > 0: a wrong step_function already lost its own point)."""
    z = x @ w + b
    return bool(np.array_equal(np.where(z >= 0, 1, 0), y) or np.array_equal(np.where(z > 0, 1, 0), y))


def _perceptron(learner, x, y, **kwargs):
    call = f"perceptron_train(x {x.shape}, y{''.join(f', {k}={v}' for k, v in kwargs.items())})"
    w, b = _pair(learner.perceptron_train(x, y, **kwargs), call, "a tuple (w, b)")[:2]
    return call, as_array(np.asarray(w, dtype=float) if isinstance(w, list) else w, call, shape=(x.shape[1],)).astype(float), _number(b, call)


LOGIC_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


@check(points=2)
def test_perceptron_learns_and_or(learner):
    for name, y in (("AND", np.array([0, 0, 0, 1])), ("OR", np.array([0, 1, 1, 1]))):
        call, w, b = _perceptron(learner, LOGIC_X, y)
        expect(_separates(w, b, LOGIC_X, y), "perceptron_logic", call=call, gate=name, w=np.round(w, 3), b=round(b, 3), found=np.where(LOGIC_X @ w + b >= 0, 1, 0), expected=y)


@check(points=2)
def test_perceptron_separates_random_data(learner, rng):
    for _ in range(3):
        features = int(rng.integers(2, 5))
        normal, offset = rng.normal(size=features), float(rng.normal())
        x = rng.normal(0, 2, size=(300, features))
        margin = (x @ normal + offset) / np.linalg.norm(normal)
        x = x[np.abs(margin) > 0.5][:60]
        y = np.where(x @ normal + offset >= 0, 1, 0)
        call, w, b = _perceptron(learner, x, y, epochs=200)
        accuracy = 1.0 if _separates(w, b, x, y) else float(np.mean(np.where(x @ w + b >= 0, 1, 0) == y))
        expect(accuracy == 1.0, "perceptron_random", call=call, accuracy=round(accuracy, 3))


@check(points=1)
def test_xor_is_not_separable(learner):
    found = learner.xor_separable()
    expect(found is False or (isinstance(found, (bool, np.bool_)) and not found), "xor_wrong", found=found)
