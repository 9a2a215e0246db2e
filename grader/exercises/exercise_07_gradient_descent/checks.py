"""Hidden checks for exercise 07: iterations, a gradient step, fitting, the perceptron.

The gradient is checked against central finite differences of the MSE computed
here (independent of any formula; the project's tests also prove it equal to
one Keras SGD step). Fitting is judged by its outcome (converges, diverges
honestly) and by its bookkeeping (one real MSE per epoch), never by replaying
the learner's gradient, so a wrong gradient loses the gradient checks and the
convergence it breaks, nothing else. The perceptron is judged by the update
rule on a short run and by what it must achieve (separating the data).
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import (
    ANY_KIND,
    as_array,
    as_int,
    as_number,
    check,
    expect,
    fail,
    message_ref,
    type_name,
    wrong_type,
)

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


def least_squares(x, y) -> tuple[np.ndarray, float]:
    design = np.hstack([x, np.ones((len(x), 1))])
    best = np.linalg.lstsq(design, y, rcond=None)[0]
    return best[:-1], float(best[-1])


def linear_problem(rng, noise: float = 0.1):
    n, features = int(rng.integers(30, 120)), int(rng.integers(1, 5))
    x = rng.normal(size=(n, features))
    w_true, b_true = rng.normal(0, 2, size=features), float(rng.normal(0, 2))
    return x, x @ w_true + b_true + rng.normal(0, noise, size=n)


def perceptron(
    x, y, epochs: int, learning_rate: float, strict: bool = False, sign: float = 1.0
) -> tuple[np.ndarray, float]:
    """Rosenblatt's rule from zeros; ``strict`` uses step(z) = 1 only for z > 0; ``sign=-1`` is the flipped update."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(x, y):
            z = float(x_i @ w + b)
            error = y_i - (1 if (z > 0 if strict else z >= 0) else 0)
            w, b = w + sign * learning_rate * error * x_i, b + sign * learning_rate * error
    return w, b


def separable_data(rng, n: int = 60):
    features = int(rng.integers(2, 5))
    normal, offset = rng.normal(size=features), float(rng.normal())
    x = rng.normal(0, 2, size=(6 * n, features))
    margin = (x @ normal + offset) / np.linalg.norm(normal)
    x = x[np.abs(margin) > 0.5][:n]
    return x, np.where(x @ normal + offset >= 0, 1, 0)


# ----------------------------------------------------------------------------- type guards


def _number(value, call: str, what: str = "type_float") -> float:
    """A float; a one-element array (b as np.array([0.3])) is accepted too."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        return float(value.ravel()[0])
    return as_number(value, call, message_ref(what))


def _vector(value, call: str, length: int) -> np.ndarray:
    """w as numbers: an array, or a list (the shared guard turns a list of strings or of huge ints into a failure)."""
    return as_array(value, call, shape=(length,), lists=True).astype(float)


def _parts(value, call: str, count: int, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != count:
        sized = isinstance(value, (tuple, list))
        shown = message_ref("type.sized", type=type_name(value), length=len(value)) if sized else type_name(value)
        fail("engine.wrong_type", call=call, found_type=shown, found=value, expected_type=message_ref(what))
    return tuple(value)


def _shown(values, digits: int = 5) -> str:
    flat = np.asarray(values, dtype=float).ravel()
    parts = [f"{round(v, digits):g}" if math.isfinite(v) else str(v) for v in flat[:4].tolist()]
    return "[" + ", ".join(parts + (["..."] if flat.size > 4 else [])) + "]"


# ----------------------------------------------------------------------------- epochs and batches


def _iterations(learner, n: int, batch: int, *, strict: bool = False) -> tuple[int, str]:
    """The learner's count; an integer-valued float (np.ceil) is judged by value unless ``strict``."""
    call = f"iterations_per_epoch({n}, {batch})"
    value = learner.iterations_per_epoch(n, batch)
    if (
        isinstance(value, (float, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        if strict:
            fail("iterations_float", call=call, found=float(value))
        return int(value), call
    return as_int(value, call), call


@check(points=1)
def test_iterations_course_example(learner):
    found, call = _iterations(learner, 1000, 100, strict=True)
    expect(found == 10, "course_iterations", call=call, found=found)


@check(points=1)
def test_iterations_exact_batches(learner, rng):
    for _ in range(8):
        batch = int(rng.integers(2, 300))
        n = batch * int(rng.integers(1, 60))
        found, call = _iterations(learner, n, batch)
        if found == n // batch + 1:
            fail("iterations_plus_one", call=call, found=found, expected=n // batch, n=n, batch=batch)
        expect(found == n // batch, "iterations_wrong", call=call, found=found, expected=n // batch)


@check(points=2)
def test_iterations_partial_batch(learner, rng):
    cases = []
    for _ in range(12):
        batch = int(rng.integers(2, 300))
        cases.append((batch * int(rng.integers(1, 50)) + int(rng.integers(1, batch)), batch))
    batch = int(rng.integers(20, 300))
    cases.insert(int(rng.integers(0, len(cases))), (int(rng.integers(1, batch)), batch))  # fewer samples than one batch
    for n, batch in cases:
        found, call = _iterations(learner, n, batch)
        expected = math.ceil(n / batch)
        if found == n // batch:
            fail("iterations_floor", call=call, found=found, expected=expected, n=n, batch=batch, rest=n % batch)
        expect(found == expected, "iterations_wrong", call=call, found=found, expected=expected)


# ----------------------------------------------------------------------------- one step


def _step_cases(rng, count: int = 5):
    for _ in range(count):
        x, y = linear_problem(rng)
        w, b = rng.normal(size=x.shape[1]), float(rng.normal())
        learning_rate = float(rng.choice([0.001, 0.01, 0.05]))
        call = f"gradient_step(w {w.shape}, b={b:.3f}, x {x.shape}, y {y.shape}, learning_rate={learning_rate})"
        yield x, y, w, b, learning_rate, call


def _step(learner, x, y, w, b, learning_rate, call):
    found_w, found_b = _parts(learner.gradient_step(w, b, x, y, learning_rate), call, 2, "type_w_b")
    return found_w, found_b


def _near(found, expected) -> bool:
    return bool(np.all(np.abs(np.asarray(found) - np.asarray(expected)) <= 1e-6 + 1e-5 * np.abs(np.asarray(expected))))


@check(points=2)
def test_gradient_step_weights(learner, rng):
    for x, y, w, b, learning_rate, call in _step_cases(rng):
        found_w, _ = _step(learner, x, y, w, b, learning_rate, call)
        found_w = _vector(found_w, call, len(w))
        grad_w, _ = numeric_gradient(w, b, x, y)
        expected = w - learning_rate * grad_w
        if _near(found_w, expected):
            continue
        if not np.all(np.isfinite(found_w)):
            fail("step_not_finite", call=call, found=_shown(found_w), expected=_shown(expected))
        before, after = mse(w, b, x, y), mse(found_w, b, x, y)
        if _near(found_w, w + learning_rate * grad_w):
            fail("gradient_sign", call=call, before=round(before, 4), after=round(after, 4))
        if _near(found_w, w - learning_rate * grad_w / 2):
            fail("gradient_half", call=call, found=_shown(found_w), expected=_shown(expected))
        if _near(found_w, w - learning_rate * grad_w * len(y)):
            fail("gradient_summed", call=call, n=len(y), found=_shown(found_w), expected=_shown(expected))
        if _near(found_w, w - grad_w):
            fail("gradient_no_rate", call=call, found=_shown(found_w), expected=_shown(expected))
        if _near(found_w, w):
            fail("weights_unchanged", call=call)
        fail("gradient_wrong", call=call, found=_shown(found_w), expected=_shown(expected))


@check(points=1)
def test_gradient_step_bias(learner, rng):
    for x, y, w, b, learning_rate, call in _step_cases(rng):
        _, found_b = _step(learner, x, y, w, b, learning_rate, call)
        found_b = _number(found_b, call, "type_b")
        _, grad_b = numeric_gradient(w, b, x, y)
        expected = b - learning_rate * grad_b
        if _near(found_b, expected):
            continue
        if not math.isfinite(found_b):
            fail("step_not_finite", call=call, found=found_b, expected=round(expected, 6))
        shown = {"call": call, "found": round(found_b, 6), "expected": round(expected, 6)}
        if _near(found_b, b):
            fail("bias_unchanged", **shown)
        if _near(found_b, b + learning_rate * grad_b):
            fail("bias_sign", **shown)
        if _near(found_b, b - learning_rate * grad_b / 2):
            fail("bias_half", **shown)
        if _near(found_b, b - learning_rate * grad_b * len(y)):
            fail("bias_summed", n=len(y), **shown)
        fail("bias_wrong", **shown)


# ----------------------------------------------------------------------------- fitting


def _fit(learner, x, y, learning_rate: float, epochs: int):
    call = f"fit_linear(x {x.shape}, y {y.shape}, learning_rate={learning_rate:.4g}, epochs={epochs})"
    found_w, found_b, losses = _parts(
        learner.fit_linear(x, y, learning_rate=learning_rate, epochs=epochs), call, 3, "a tuple (w, b, losses)"
    )
    found_w = _vector(found_w, call, x.shape[1])
    found_b = _number(found_b, call, "type_b")
    if isinstance(losses, np.ndarray) and losses.dtype.kind in "biuf":
        losses = losses.ravel().tolist()
    if not isinstance(losses, (list, tuple)):
        wrong_type(losses, call, "type_losses")
    losses = np.array([_number(v, call, "type_losses") for v in losses], dtype=float)
    return call, found_w, found_b, losses


@check(points=2)
def test_fit_converges_with_a_small_learning_rate(learner, rng):
    for _ in range(2):
        x, y = linear_problem(rng)
        learning_rate = 0.5 / largest_curvature(x)
        call, found_w, found_b, losses = _fit(learner, x, y, learning_rate, 300)
        best_w, best_b = least_squares(x, y)
        if len(losses) < 2 or not np.all(np.isfinite(losses)) or not losses[-1] < losses[0]:
            fail("fit_not_falling", call=call, first=_shown(losses[:2]), last=_shown(losses[-2:]))
        expect(
            np.all(np.abs(found_w - best_w) < 0.05) and abs(found_b - best_b) < 0.05,
            "fit_not_converged",
            call=call,
            found=_shown(found_w, 3),
            found_b=round(found_b, 3) if math.isfinite(found_b) else found_b,
            expected=_shown(best_w, 3),
            expected_b=round(best_b, 3),
        )


@check(points=2)
def test_fit_diverges_with_a_large_learning_rate(learner, rng):
    x, y = linear_problem(rng)
    learning_rate = round(5.0 / largest_curvature(x), 3)  # diverges even with a half-size or double-size gradient
    epochs = 20
    call, _, _, losses = _fit(learner, x, y, learning_rate, epochs)
    if len(losses) < epochs:
        fail("losses_stopped_early", call=call, found=len(losses), expected=epochs, rate=learning_rate)
    expect(len(losses) == epochs, "losses_length", call=call, found=len(losses), expected=epochs)
    grew = (not np.all(np.isfinite(losses))) or losses[-1] > 100 * max(losses[0], 1e-12)
    expect(
        grew,
        "divergence_hidden",
        call=call,
        rate=learning_rate,
        first=_shown(losses[:2], 3),
        last=_shown(losses[-2:], 3),
    )


@check(points=1)
def test_fit_loss_history(learner, rng):
    """Bookkeeping only: one loss per epoch, each the real MSE (after each update, or before it)."""
    x, y = linear_problem(rng)
    learning_rate = 0.3 / largest_curvature(x)
    epochs = int(rng.integers(5, 40))
    call, found_w, found_b, losses = _fit(learner, x, y, learning_rate, epochs)
    expect(len(losses) == epochs, "losses_length", call=call, found=len(losses), expected=epochs)
    final = mse(found_w, found_b, x, y)
    at_zero = float(np.mean(y**2))
    after_ok = math.isfinite(final) and abs(losses[-1] - final) <= 1e-6 + 1e-4 * abs(final)
    before_ok = abs(losses[0] - at_zero) <= 1e-6 + 1e-4 * at_zero
    expect(
        after_ok or before_ok, "losses_wrong", call=call, found=round(float(losses[-1]), 5), expected=round(final, 5)
    )


# ----------------------------------------------------------------------------- the perceptron


@check(points=1)
def test_step_function(learner, rng):
    z = np.concatenate([[0.0], rng.normal(0, 3, size=20)])
    rng.shuffle(z)
    z[int(rng.integers(0, len(z)))] = 0.0
    zero = int(np.flatnonzero(z == 0.0)[0])
    call = f"step_function(<array of {len(z)} values, z[{zero}] = 0.0>)"
    found = as_array(learner.step_function(z), call, shape=z.shape, kinds=ANY_KIND)
    if found.dtype.kind not in "biuf":  # said in this exercise's words: 0s and 1s
        fail(
            "engine.wrong_type",
            call=call,
            found_type=message_ref("type.array_of_dtype", dtype=str(found.dtype)),
            found=str(found.tolist()[:4]),
            expected_type=message_ref("type_zeros_and_ones"),
        )
    expected = np.where(z >= 0, 1, 0)
    if np.array_equal(found, np.where(z > 0, 1, 0)):
        fail("step_at_zero", call=call, index=zero)
    expect(np.array_equal(found, expected), "step_wrong", call=call, found=_shown(found), expected=_shown(expected))


def _perceptron(learner, x, y, **kwargs):
    call = f"perceptron_train(x {x.shape}, y{''.join(f', {k}={v}' for k, v in kwargs.items())})"
    w, b = _parts(learner.perceptron_train(x, y, **kwargs), call, 2, "type_w_b")
    return call, _vector(w, call, x.shape[1]), _number(b, call, "type_b")


def _separates(w, b, x, y) -> bool:
    """Separated under the step convention z >= 0 (or z > 0: a wrong step_function already lost its own point)."""
    z = x @ w + b
    return bool(np.array_equal(np.where(z >= 0, 1, 0), y) or np.array_equal(np.where(z > 0, 1, 0), y))


@check(points=1)
def test_perceptron_rule(learner, rng):
    """Two epochs of the exact rule (w += lr * (y - pred) * x) with a learning rate that is not 1."""
    x, y = separable_data(rng, 12)
    learning_rate = float(rng.choice([0.1, 0.25, 0.5]))
    call, w, b = _perceptron(learner, x, y, epochs=2, learning_rate=learning_rate)
    candidates = [perceptron(x, y, 2, learning_rate, strict) for strict in (False, True)]
    if any(_near(w, cw) and _near(b, cb) for cw, cb in candidates):
        return
    if any(_near(w, cw / learning_rate) and _near(b, cb / learning_rate) for cw, cb in candidates):
        fail("perceptron_rate_ignored", call=call, rate=learning_rate)
    if any(
        _near(w, fw) and _near(b, fb)
        for fw, fb in (perceptron(x, y, 2, learning_rate, strict, sign=-1) for strict in (False, True))
    ):
        fail("perceptron_sign", call=call)
    expected_w, expected_b = candidates[0]
    fail(
        "perceptron_rule_wrong",
        call=call,
        found=_shown(w, 4),
        found_b=round(b, 4),
        expected=_shown(expected_w, 4),
        expected_b=round(expected_b, 4),
    )


LOGIC_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


@check(points=2)
def test_perceptron_learns_and_or(learner):
    """AND and OR learned, and XOR known to be out of a single perceptron's reach."""
    for name, y in (("AND", np.array([0, 0, 0, 1])), ("OR", np.array([0, 1, 1, 1]))):
        call, w, b = _perceptron(learner, LOGIC_X, y)
        found = np.where(LOGIC_X @ w + b >= 0, 1, 0)
        expect(
            _separates(w, b, LOGIC_X, y),
            "perceptron_logic",
            call=call,
            gate=name,
            w=_shown(w, 3),
            b=round(b, 3),
            found=_shown(found),
            expected=_shown(y),
        )
    # ... and knows its limit. The XOR question is part of this check, never points of its own: a yes/no
    # answer alone would be a coin toss worth a point.
    found = learner.xor_separable()
    if not isinstance(found, (bool, np.bool_)):
        fail("xor_not_bool", found_type=type_name(found), found=found)
    expect(not found, "xor_wrong", found=found)


@check(points=2)
def test_perceptron_separates_random_data(learner, rng):
    for _ in range(3):
        x, y = separable_data(rng)
        call, w, b = _perceptron(learner, x, y, epochs=50)  # the rule separates these within ~10 epochs
        accuracy = 1.0 if _separates(w, b, x, y) else float(np.mean(np.where(x @ w + b >= 0, 1, 0) == y))
        expect(accuracy == 1.0, "perceptron_random", call=call, accuracy=round(accuracy, 3), n=len(y))
