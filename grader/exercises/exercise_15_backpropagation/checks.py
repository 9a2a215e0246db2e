"""Hidden checks for exercise 15: derivatives, two regression losses, back-propagation, XOR.

Every gradient is judged against central finite differences, in float64, of the contract's
formulas computed here (the activation, the MSE of the two-layer network): independent of any
derivative formula. The project's tests prove the differences equal the analytic gradients and
TensorFlow's ``GradientTape``. The analytic formulas below serve only to *name* a mistake: the
learner's answer is compared with what each classic mistake would give (a forgotten 1/N, a
transposed weight gradient, the activation's derivative taken at its output instead of at z).

Training is judged by its outcome (the grader's own forward pass on the returned weights solves
XOR on a clear majority of seeds: 4 of 5, the runs stopping once that is decided) and its
bookkeeping (one real loss per epoch, falling), never by replaying the learner's updates; the two
training checks share the runs. ``xor_network`` is run by the grader's forward pass too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checking import (
    CheckFailed,
    LearnerRaised,
    as_array,
    as_number,
    check,
    expect,
    fail,
    message_ref,
    preview,
    wrong_type,
)

RTOL = 1e-5  # the contract's relative tolerance
STEP = 1e-5  # central differences: truncation ~ STEP**2 and rounding ~ 1e-16 / STEP, both far below RTOL
ATOL = 1e-7  # an element below 1e-7 of the largest is judged against the largest (no relative error near 0)

# ----------------------------------------------------------------------------- the math


def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def step(z):
    """Exercise 07's step: 1 where z >= 0."""
    return np.where(z >= 0, 1.0, 0.0)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}
#: the analytic derivatives, used only to name mistakes (the verdict comes from finite differences)
DERIVATIVES = {
    "sigmoid": lambda z: sigmoid(z) * (1.0 - sigmoid(z)),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: np.where(z > 0, 1.0, 0.0),
}


def numeric_derivative(function, z: np.ndarray) -> np.ndarray:
    """d function(z) / dz element by element, by central differences."""
    return (function(z + STEP) - function(z - STEP)) / (2 * STEP)


def network_loss(x, y, W1, b1, W2, b2, activation: str) -> float:
    """The contract's loss: MSE over every element of a one-hidden-layer network's output."""
    p = ACTIVATIONS[activation](x @ W1 + b1) @ W2 + b2
    return float(np.mean((p - y) ** 2))


def numeric_gradients(x, y, params: dict, activation: str) -> dict:
    """Central finite differences of :func:`network_loss` for every parameter element."""
    grads = {}
    for name in ("W1", "b1", "W2", "b2"):
        grad = np.zeros_like(params[name])
        for index in np.ndindex(grad.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][index] += STEP
            up = network_loss(x, y, activation=activation, **shifted)
            shifted[name][index] -= 2 * STEP
            down = network_loss(x, y, activation=activation, **shifted)
            grad[index] = (up - down) / (2 * STEP)
        grads[name] = grad
    return grads


def analytic_gradients(x, y, params: dict, activation: str, *, at_output: bool = False, chain: bool = True) -> dict:
    """The back-propagated gradients; ``at_output`` takes the derivative at h = act(z) instead of at z,
    ``chain=False`` leaves the activation's derivative out: two classic mistakes."""
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    z = x @ W1 + b1
    h = ACTIVATIONS[activation](z)
    p = h @ W2 + b2
    dp = 2 * (p - y) / p.size
    dh = dp @ W2.T
    dz = dh * DERIVATIVES[activation](h if at_output else z) if chain else dh
    return {"W1": x.T @ dz, "b1": dz.sum(axis=0), "W2": h.T @ dp, "b2": dp.sum(axis=0)}


def huber_loss(y_true, y_pred, delta: float = 1.0) -> float:
    error = np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))
    return float(np.mean(np.where(error <= delta, 0.5 * error**2, delta * (error - 0.5 * delta))))


# ----------------------------------------------------------------------------- comparing


def close(found: np.ndarray, expected: np.ndarray) -> bool:
    """Equal within the relative tolerance; an element near 0 is judged against the largest one."""
    if found.shape != expected.shape:
        return False
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(expected), initial=0.0))
        return bool(np.all(np.abs(found - expected) <= RTOL * np.abs(expected) + ATOL * max(scale, 1.0)))


def shown(values, digits: int = 5) -> str:
    flat = np.asarray(values, dtype=float).ravel()
    parts = [f"{round(v, digits):g}" if math.isfinite(v) else str(v) for v in flat[:4].tolist()]
    return "[" + ", ".join(parts + (["..."] if flat.size > 4 else [])) + "]"


def _first_difference(found: np.ndarray, expected: np.ndarray) -> tuple:
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(expected), initial=0.0))
        bad = np.argwhere(~(np.abs(found - expected) <= RTOL * np.abs(expected) + ATOL * max(scale, 1.0)))
    where = tuple(int(i) for i in bad[0]) if len(bad) else (0,) * found.ndim
    return where, float(found[where]), float(expected[where])


def numbers(value, call: str) -> np.ndarray:
    """A learner's array (or list) of numbers as float64."""
    with np.errstate(all="ignore"):
        return as_array(value, call, lists=True).astype(np.float64)


def loss_value(value, call: str) -> float:
    """A loss: one number (a float, a numpy scalar, a 0-d or one-element array)."""
    if isinstance(value, np.ndarray) and value.size > 1 and value.dtype.kind in "biuf":
        fail("loss_not_scalar", call=call, shape=tuple(value.shape))
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        value = value.reshape(())
    return as_number(value, call)


# ----------------------------------------------------------------------------- activations' derivatives


def _random_shape(rng) -> tuple[int, ...]:
    return tuple(int(n) for n in rng.integers(2, 7, size=int(rng.integers(1, 4))))


def _derivative_case(learner, name: str, rng, activation) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    shape = _random_shape(rng)
    z = rng.normal(0, 2.5, size=shape)
    z.reshape(-1)[:2] = (0.3, -0.7)  # a positive value and a negative one always present
    call = f"{name}(<z of shape {shape}>)"
    found = numbers(learner.call(name, z), call)
    if found.shape != z.shape:
        fail("engine.wrong_shape", call=call, found=tuple(found.shape), expected=z.shape)
    return call, z, found, numeric_derivative(activation, z)


@check(points=1)
def test_sigmoid_grad(learner, rng):
    for _ in range(3):
        call, z, found, expected = _derivative_case(learner, "sigmoid_grad", rng, sigmoid)
        if close(found, expected):
            continue
        where, got, want = _first_difference(found, expected)
        params = dict(call=call, where=where, z=round(float(z[where]), 4), found=round(got, 6), expected=round(want, 6))
        if close(found, z * (1 - z)):
            fail("derivative_at_output", **params, function="sigmoid", formula="z * (1 - z)")
        if close(found, sigmoid(z)):
            fail("derivative_is_activation", **params, function="sigmoid")
        fail("derivative_wrong", **params, function="sigmoid")


@check(points=1)
def test_tanh_grad(learner, rng):
    for _ in range(3):
        call, z, found, expected = _derivative_case(learner, "tanh_grad", rng, np.tanh)
        if close(found, expected):
            continue
        where, got, want = _first_difference(found, expected)
        params = dict(call=call, where=where, z=round(float(z[where]), 4), found=round(got, 6), expected=round(want, 6))
        if close(found, 1 - z**2):
            fail("derivative_at_output", **params, function="tanh", formula="1 - z ** 2")
        if close(found, np.tanh(z)):
            fail("derivative_is_activation", **params, function="tanh")
        fail("derivative_wrong", **params, function="tanh")


@check(points=1)
def test_relu_grad(learner, rng):
    for _ in range(3):
        shape = _random_shape(rng)
        z = rng.normal(0, 2.5, size=shape)
        flat = z.reshape(-1)
        flat[-1] = 1.5
        flat[rng.choice(flat.size - 1, size=max(1, flat.size // 4), replace=False)] = 0.0  # the corner, on purpose
        call = f"relu_grad(<z of shape {shape}, some z exactly 0>)"
        found = numbers(learner.relu_grad(z), call)
        if found.shape != z.shape:
            fail("engine.wrong_shape", call=call, found=tuple(found.shape), expected=z.shape)
        away = z != 0
        # away from the corner the finite differences; at z = 0 the contract's (TensorFlow's) 0
        expected = np.where(away, numeric_derivative(ACTIVATIONS["relu"], z), 0.0)
        if close(found, expected):
            continue
        if close(found[away], expected[away]) and np.all(found[~away] == 1.0):
            fail("relu_at_zero", call=call)
        where, got, want = _first_difference(found, expected)
        params = dict(call=call, where=where, z=round(float(z[where]), 4), found=round(got, 6), expected=round(want, 6))
        if close(found, np.maximum(z, 0.0)):
            fail("derivative_is_activation", **params, function="relu")
        fail("derivative_wrong", **params, function="relu")


# ----------------------------------------------------------------------------- losses


def _targets(rng) -> tuple[np.ndarray, tuple]:
    shape = (int(rng.integers(4, 30)),) if rng.random() < 0.5 else (int(rng.integers(4, 20)), int(rng.integers(2, 4)))
    return rng.normal(0, 2, size=shape).round(3), shape


@check(points=1)
def test_mae(learner, rng):
    for _ in range(3):
        y_true, shape = _targets(rng)
        y_pred = (y_true + rng.normal(0, 1.5, size=shape)).round(3)
        call = f"mae(<y_true {shape}>, <y_pred {shape}>)"
        found = loss_value(learner.mae(y_true, y_pred), call)
        error = y_true - y_pred
        expected = float(np.mean(np.abs(error)))
        if math.isclose(found, expected, rel_tol=RTOL, abs_tol=1e-12):
            continue
        params = dict(call=call, found=round(found, 6) if math.isfinite(found) else found, expected=round(expected, 6))
        if math.isclose(found, float(np.sum(np.abs(error))), rel_tol=RTOL):
            fail("loss_summed", **params, n=error.size)
        if math.isclose(abs(found), abs(float(np.mean(error))), rel_tol=RTOL):
            fail("mae_no_abs", **params)
        if math.isclose(found, float(np.mean(error**2)), rel_tol=RTOL):
            fail("mae_is_mse", **params)
        fail("loss_wrong", **params, formula="mean(|y_true - y_pred|)")


def _huber_case(learner, rng, *, small: int, large: int, delta: float | None) -> None:
    """``small`` errors inside delta (the quadratic branch), ``large`` outside it (the linear branch)."""
    d = 1.0 if delta is None else delta
    size = rng.uniform(0.05, 0.9, size=small) * d
    size = np.concatenate([size, rng.uniform(1.3, 6.0, size=large) * d])
    error = rng.permutation(size * rng.choice([-1.0, 1.0], size=size.size))
    y_true = rng.normal(0, 2, size=size.size).round(3)
    y_pred = y_true - error
    if rng.random() < 0.5:
        y_true, y_pred = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
    kwargs = {} if delta is None else {"delta": delta}
    call = f"huber(<y_true {y_true.shape}>, <y_pred {y_pred.shape}>{'' if delta is None else f', delta={delta}'})"
    found = loss_value(learner.huber(y_true, y_pred, **kwargs), call)
    expected = huber_loss(y_true, y_pred, d)
    if math.isclose(found, expected, rel_tol=RTOL, abs_tol=1e-12):
        return
    params = dict(call=call, found=round(found, 6) if math.isfinite(found) else found, expected=round(expected, 6))
    e = np.abs(y_true - y_pred)
    branches = {
        "huber_summed": float(np.sum(np.where(e <= d, 0.5 * e**2, d * (e - 0.5 * d)))),
        "huber_quadratic_half": float(np.mean(np.where(e <= d, e**2, d * (e - 0.5 * d)))),
        "huber_linear_offset": float(np.mean(np.where(e <= d, 0.5 * e**2, d * e))),
        "huber_branches_swapped": float(np.mean(np.where(e > d, 0.5 * e**2, d * (e - 0.5 * d)))),
    }
    if delta is not None and delta != 1.0:
        branches["huber_delta_ignored"] = huber_loss(y_true, y_pred, 1.0)
    for message_id, value in branches.items():
        if math.isclose(found, value, rel_tol=RTOL):
            fail(message_id, **params, delta=d, n=e.size)
    branch = "quadratic" if large == 0 else ("linear" if small == 0 else "both")
    fail("huber_wrong", **params, delta=d, branch=message_ref(f"branch_{branch}"))


@check(points=1)
def test_huber_small_errors(learner, rng):
    """Every error within delta: the quadratic branch, 0.5 * error ** 2."""
    for _ in range(2):
        _huber_case(learner, rng, small=int(rng.integers(4, 20)), large=0, delta=round(float(rng.uniform(0.5, 3)), 2))


@check(points=2)
def test_huber_both_branches(learner, rng):
    """Errors beyond delta (the linear branch) alone, then both branches in one call, delta given and default."""
    _huber_case(learner, rng, small=0, large=int(rng.integers(4, 20)), delta=round(float(rng.uniform(0.5, 3)), 2))
    for delta in (None, round(float(rng.uniform(0.3, 3)), 2)):
        _huber_case(learner, rng, small=int(rng.integers(3, 12)), large=int(rng.integers(3, 12)), delta=delta)


# ----------------------------------------------------------------------------- backward


def _network(rng, outputs: int = 1) -> tuple[np.ndarray, np.ndarray, dict]:
    """x, y and the parameters of a random network; F != H so a transposed W1 has another shape."""
    n, features = int(rng.integers(3, 12)), int(rng.integers(2, 6))
    hidden = int(rng.choice([h for h in range(2, 8) if h != features]))
    x = rng.normal(size=(n, features))
    y = rng.normal(size=(n, outputs))
    params = {
        "W1": rng.normal(size=(features, hidden)),
        "b1": rng.normal(0, 0.5, size=hidden),
        "W2": rng.normal(size=(hidden, outputs)),
        "b2": rng.normal(0, 0.5, size=outputs),
    }
    return x, y, params


def _gradient(found: dict, name: str, call: str) -> np.ndarray:
    if name not in found:
        fail("backward_missing_key", call=call, key=name, found=sorted(str(k) for k in found)[:8])
    return numbers(found[name], f"{call}['{name}']")


def _judge(found, x, y, params: dict, activation: str, names: tuple[str, ...], call: str) -> tuple | None:
    """None when every gradient in ``names`` is right; otherwise the failure to report, as
    (rank, message id, params): a named mistake ranks above a plain difference."""
    if not isinstance(found, dict):
        wrong_type(found, call, "type_gradients")
    expected = numeric_gradients(x, y, params, activation)
    for name in names:
        grad = _gradient(found, name, call)
        want = expected[name]
        if close(grad, want):
            continue
        base = dict(call=call, name=name)
        if grad.shape != want.shape:
            if grad.ndim == 2 and close(grad, want.T):
                return 3, "weight_grad_transposed", dict(base, found=tuple(grad.shape), expected=tuple(want.shape))
            return 1, "gradient_shape", dict(base, found=tuple(grad.shape), expected=tuple(want.shape))
        where, got, wanted = _first_difference(grad, want)
        values = dict(base, where=where, found=round(got, 6), expected=round(wanted, 6))
        if not np.all(np.isfinite(grad)):
            return 1, "gradient_not_finite", values
        n, elements = len(x), y.size
        if close(grad, want * elements):
            return 3, "forgot_mean", dict(values, n=n, elements=elements)
        if elements != n and close(grad, want * (elements // n)):
            return 3, "mean_over_samples_only", dict(values, n=n, elements=elements, outputs=elements // n)
        if close(grad, want / 2):
            return 3, "gradient_half", values
        if close(grad, -want):
            return 3, "gradient_sign", values
        if name in ("b1", "b2") and close(grad, want / n):
            return 3, "bias_divided_twice", dict(values, n=n)
        if name in ("W1", "b1") and activation != "relu":
            if close(grad, analytic_gradients(x, y, params, activation, at_output=True)[name]):
                return 3, "backward_at_output", dict(values, activation=activation)
            if close(grad, analytic_gradients(x, y, params, activation, chain=False)[name]):
                return 3, "chain_rule_missing", dict(values, activation=activation)
        return 1, "gradient_wrong", values
    return None


def _check_backward(learner, x, y, params: dict, activation: str | None, names: tuple[str, ...]) -> None:
    """Call backward with y as (N, out); for one output also as (N,) (a fair reading): pass if either is right."""
    act = activation or "sigmoid"
    kwargs = {} if activation is None else {"hidden_activation": activation}
    shapes = ", ".join(f"{k} {params[k].shape}" for k in ("W1", "b1", "W2", "b2"))
    readings = [y] + ([y.ravel()] if y.shape[1] == 1 else [])
    failures: list[tuple[int, CheckFailed]] = []
    raised = None
    for y_given in readings:
        shown_kwargs = "".join(f", hidden_activation={v!r}" for v in kwargs.values())
        call = f"backward(x {x.shape}, y {y_given.shape}, {shapes}{shown_kwargs})"
        try:
            found = learner.backward(x, y_given, *(params[k] for k in ("W1", "b1", "W2", "b2")), **kwargs)
            verdict = _judge(found, x, y, params, act, names, call)
        except LearnerRaised as problem:  # the other reading of y may still work
            raised = raised or problem
            continue
        except CheckFailed as failed:  # a wrong type or key: the plainest failure
            failures.append((0, failed))
            continue
        if verdict is None:
            return
        rank, message_id, values = verdict
        failures.append((rank, CheckFailed(message_id, **values)))
    if not failures:
        raise raised
    raise max(failures, key=lambda f: f[0])[1]


@check(points=2)
def test_backward_output_layer(learner, rng):
    """The gradients of W2 and b2 (the default sigmoid hidden layer)."""
    for _ in range(3):
        x, y, params = _network(rng)
        _check_backward(learner, x, y, params, None, ("W2", "b2"))


@check(points=2)
def test_backward_hidden_layer(learner, rng):
    """The gradients of W1 and b1: the chain rule through the sigmoid."""
    for _ in range(3):
        x, y, params = _network(rng)
        _check_backward(learner, x, y, params, "sigmoid", ("W1", "b1"))


@check(points=2)
def test_backward_tanh_and_relu(learner, rng):
    for activation in ("tanh", "relu", "tanh"):
        x, y, params = _network(rng)
        if activation == "relu":  # no hidden z within a difference step of the corner
            z = x @ params["W1"] + params["b1"]
            params["b1"] = params["b1"] + np.where(np.abs(z).min(axis=0) < 1e-3, 0.01, 0.0)
        _check_backward(learner, x, y, params, activation, ("W1", "b1"))


@check(points=1)
def test_backward_several_outputs(learner, rng):
    """Two or three outputs: the MSE averages over every element, N * outputs of them."""
    for _ in range(2):
        x, y, params = _network(rng, outputs=int(rng.integers(2, 4)))
        _check_backward(learner, x, y, params, None, ("W1", "b1", "W2", "b2"))


# ----------------------------------------------------------------------------- training on XOR

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
# Training runs on XOR with its points written as -1 and 1: centred inputs skip the long plateau that
# 0/1 inputs start with, so 400 epochs do what 1000 do there (the reference's start solved 299 of 300
# seeds at 400 epochs, Glorot's and uniform(-1, 1) starts 298) and the check stays within the time
# budget of the plain-data exercises.
TRAIN_X = 2.0 * XOR_X - 1.0
SEEDS = 5  # several seeds, a clear majority of which must solve XOR (runs stop once that is decided)
NEEDED = 4
EPOCHS = 400
HIDDEN = 4
RATE = 0.5
TRAIN_TIMEOUT = 30  # seconds per run: room for a loop-based backward


@pytest.fixture(scope="module")
def training_runs() -> dict:
    """The learner's training runs, shared by the two training checks of one grading (a new dict per grading)."""
    return {}


def _train(learner, runs: dict, seed: int):
    if seed not in runs:
        runs[seed] = learner.train_two_layer(
            TRAIN_X,
            XOR_Y.reshape(-1, 1).astype(float),
            hidden_units=HIDDEN,
            learning_rate=RATE,
            epochs=EPOCHS,
            seed=seed,
        )
    return runs[seed]


def _call(seed: int) -> str:
    settings = f"hidden_units={HIDDEN}, learning_rate={RATE}, epochs={EPOCHS}, seed={seed}"
    return f"train_two_layer(<XOR x (4, 2) of -1 and 1>, <y (4, 1)>, {settings})"


def _seeds(runs: dict, rng) -> list[int]:
    if "seeds" not in runs:
        runs["seeds"] = [int(s) for s in rng.choice(10_000, size=SEEDS, replace=False)]
    return runs["seeds"]


def _pair(value, call: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        wrong_type(value, call, "type_params_losses")
    return tuple(value)


def _trained_params(value, call: str) -> list[np.ndarray]:
    params, _ = _pair(value, call)
    if not isinstance(params, (tuple, list)) or len(params) != 4:
        wrong_type(params, call, "type_params_losses")
    arrays = [numbers(p, call) for p in params]
    W1, b1, W2, b2 = arrays
    if not (W1.shape == (2, HIDDEN) and b1.size == HIDDEN and W2.size == HIDDEN and b2.size == 1):
        fail("train_shapes", call=call, found=[tuple(a.shape) for a in arrays], hidden=HIDDEN)
    return [W1, b1.reshape(-1), W2.reshape(HIDDEN, 1), b2.reshape(-1)]


def _predict(params: list[np.ndarray]) -> np.ndarray:
    W1, b1, W2, b2 = params
    with np.errstate(all="ignore"):
        return (sigmoid(TRAIN_X @ W1 + b1) @ W2 + b2).ravel()


def _decided(count: int, tried: int) -> bool:
    """Whether the verdict is known: NEEDED reached, or out of reach with the seeds left (their runs are skipped)."""
    return count >= NEEDED or count + SEEDS - tried < NEEDED


@check(points=3, timeout=TRAIN_TIMEOUT)
def test_train_solves_xor(learner, rng, training_runs):
    solved, outputs = 0, []
    for tried, seed in enumerate(_seeds(training_runs, rng), start=1):
        call = _call(seed)
        p = _predict(_trained_params(_train(learner, training_runs, seed), call))
        right = bool(np.all(np.isfinite(p)) and np.array_equal((p > 0.5).astype(int), XOR_Y))
        solved += right
        outputs.append(f"seed={seed}: {shown(p, 3)}")
        if _decided(solved, tried):
            break
    expect(
        solved >= NEEDED,
        "train_not_solved",
        solved=solved,
        seeds=len(outputs),
        total=SEEDS,
        needed=NEEDED,
        epochs=EPOCHS,
        outputs="; ".join(outputs),
    )


def _losses(value, call: str) -> np.ndarray:
    _, losses = _pair(value, call)
    if isinstance(losses, np.ndarray) and losses.dtype.kind in "biuf":
        losses = losses.ravel().tolist()
    if not isinstance(losses, (list, tuple)):
        wrong_type(losses, call, "type_losses")
    return np.array([as_number(v, call, message_ref("type_losses")) for v in losses], dtype=float)


@check(points=1, timeout=TRAIN_TIMEOUT)
def test_train_loss_falls(learner, rng, training_runs):
    """One real MSE per epoch (after each update, or before it), falling on a clear majority of the runs."""
    falling, ends = 0, []
    for tried, seed in enumerate(_seeds(training_runs, rng), start=1):
        call = _call(seed)
        value = _train(learner, training_runs, seed)
        losses = _losses(value, call)
        expect(len(losses) == EPOCHS, "losses_length", call=call, found=len(losses), expected=EPOCHS)
        if not np.all(np.isfinite(losses)):
            fail("losses_not_finite", call=call, found=preview(losses.tolist()))
        p = _predict(_trained_params(value, call))
        final = float(np.mean((p - XOR_Y) ** 2))
        # the last loss is the final MSE if recorded after the last update, one epoch's change away if
        # recorded before it; judged on runs that solved XOR, whose loss moves smoothly by then
        solved = np.all(np.isfinite(p)) and np.array_equal((p > 0.5).astype(int), XOR_Y)
        one_epoch = abs(losses[-1] - losses[-2]) if len(losses) > 1 else 0.0
        if solved and not abs(losses[-1] - final) <= 1e-3 + 1e-2 * final + 2 * one_epoch:
            fail("losses_not_real", call=call, found=round(float(losses[-1]), 6), expected=round(final, 6))
        falling += bool(losses[-1] < losses[0])
        ends.append(f"seed={seed}: {losses[0]:.4g} -> {losses[-1]:.4g}")
        if _decided(falling, tried):
            break
    expect(
        falling >= NEEDED,
        "losses_not_falling",
        falling=falling,
        seeds=len(ends),
        total=SEEDS,
        needed=NEEDED,
        ends="; ".join(ends),
    )


# ----------------------------------------------------------------------------- a hand-set network for XOR

XOR_ACTIVATIONS = {
    "step": step,
    "relu": ACTIVATIONS["relu"],
    "sigmoid": sigmoid,
    "tanh": np.tanh,  # not in the contract's list, but a well-defined activation: granted
    "linear": lambda z: z,  # Keras's name for no activation
    None: lambda z: z,
}
MAX_LAYERS = 20
MAX_UNITS = 10_000


def _layer_array(value, call: str, what: str) -> np.ndarray:
    """Weights or a bias: an array or a (nested) list of numbers, or one number (a scalar bias)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return np.array(as_number(value, call), dtype=np.float64)
    return numbers(value, f"{call} ({what})")


def xor_forward(layers: list, call: str) -> np.ndarray:
    """The grader's forward pass of the learner's layers on XOR's four points: the output, flattened."""
    a = XOR_X
    for index, layer in enumerate(layers, start=1):
        where = f"{call}[{index - 1}]"
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            wrong_type(layer, where, "type_layer")
        weights, bias, activation = layer
        name = activation.lower() if isinstance(activation, str) else activation
        if not (name is None or isinstance(name, str)) or name not in XOR_ACTIVATIONS:
            fail("xor_activation", call=where, found=activation if isinstance(activation, str) else preview(activation))
        W = _layer_array(weights, where, "W")
        if W.ndim == 1:
            W = W.reshape(-1, 1)  # 1-D weights: one unit
        if W.ndim != 2 or W.shape[0] != a.shape[1] or not 1 <= W.shape[1] <= MAX_UNITS:
            fail("xor_shapes", call=where, layer=index, found=tuple(W.shape), inputs=a.shape[1])
        b = _layer_array(bias, where, "b").reshape(-1)
        if b.size not in (1, W.shape[1]):
            fail("xor_bias_shape", call=where, layer=index, found=b.size, units=W.shape[1])
        with np.errstate(all="ignore"):
            a = XOR_ACTIVATIONS[name](a @ W + b)
    if a.shape[1] != 1:
        fail("xor_output_units", call=call, found=a.shape[1])
    return a.ravel()


@check(points=2)
def test_xor_network(learner):
    call = "xor_network()"
    layers = learner.xor_network()
    if not isinstance(layers, (list, tuple)) or not layers:
        wrong_type(layers, call, "type_layers")
    if len(layers) == 1:
        fail("xor_single_layer", call=call)
    if len(layers) > MAX_LAYERS:
        fail("xor_too_deep", call=call, found=len(layers), limit=MAX_LAYERS)
    p = xor_forward(list(layers), call)
    outputs = ", ".join(f"{tuple(int(v) for v in point)} -> {shown([out], 4)[1:-1]}" for point, out in zip(XOR_X, p))
    if not np.all(np.isfinite(p)):
        fail("xor_not_finite", call=call, outputs=outputs)
    if np.any(p == 0.5):
        fail("xor_on_threshold", call=call, outputs=outputs)
    predicted = (p > 0.5).astype(int)
    expect(np.array_equal(predicted, XOR_Y), "xor_wrong", call=call, outputs=outputs, found=predicted.tolist())
