"""Hidden checks for exercise 06: activations, a forward pass and losses in numpy.

Expected values are the formulas computed here in float64; the project's tests
prove them equal to keras.activations and keras.losses (away from the clip
edges, where Keras's float32 arithmetic rounds 1 - 1e-7).
"""

from __future__ import annotations

import numpy as np

from grader.checking import as_array, as_number, check, expect, fail

EPSILON = 1e-7
ATOL, RTOL = 1e-5, 1e-5

# ----------------------------------------------------------------------------- the math (float64)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def relu(z):
    return np.maximum(0.0, z)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def softmax(z):
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


ACTIVATIONS = {None: lambda z: z, "sigmoid": sigmoid, "tanh": np.tanh, "relu": relu, "leaky_relu": leaky_relu, "softmax": softmax}


def dense(x, weights, bias, activation=None):
    return ACTIVATIONS[activation](x @ weights + bias)


def mse(y, p):
    return float(np.mean((y - p) ** 2))


def binary_crossentropy(y, p):
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def categorical_crossentropy(y, p):
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(np.sum(y * np.log(p), axis=-1)))


# ----------------------------------------------------------------------------- helpers


def random_z(rng, scale: float = 5.0) -> np.ndarray:
    shape = tuple(int(v) for v in rng.integers(1, 9, size=int(rng.integers(1, 3))))
    return rng.normal(0, scale, size=shape)


def _compare(found, expected, call: str, message_id: str = "values_wrong", **params) -> None:
    found = np.asarray(found, dtype=float)
    if not np.all(np.isfinite(found)) and np.all(np.isfinite(expected)):
        fail("engine.not_finite", call=call, found=found.ravel()[:6])
    if found.shape != np.shape(expected) or not np.allclose(found, expected, atol=ATOL, rtol=RTOL):
        fail(message_id, call=call, found=np.round(found.ravel()[:4], 6), expected=np.round(np.ravel(expected)[:4], 6), **params)


def _activation(learner, name: str, z: np.ndarray, **kwargs) -> np.ndarray:
    call = f"{name}(<array of shape {z.shape}>{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    return as_array(learner.call(name, z, **kwargs), call, shape=z.shape), call


def _number(value, call: str) -> float:
    return as_number(value, call, "one number (the mean loss)")


# ----------------------------------------------------------------------------- activations


@check(points=2)
def test_sigmoid(learner, rng):
    for _ in range(5):
        z = random_z(rng)
        found, call = _activation(learner, "sigmoid", z)
        _compare(found, sigmoid(z), call, "sigmoid_wrong")


@check(points=1)
def test_course_worked_numbers(learner):
    for z, expected, shown in ((np.array([1.0]), 0.7310585786, "0.73"), (np.array([0.0]), 0.5, "0.5")):
        found, call = _activation(learner, "sigmoid", z)
        expect(abs(float(found[0]) - expected) < 1e-4, "course_sigmoid", call=call.replace("<array of shape (1,)>", str(float(z[0]))), found=float(found[0]), expected=shown)


@check(points=1)
def test_tanh(learner, rng):
    for _ in range(3):
        z = random_z(rng, 3.0)
        found, call = _activation(learner, "tanh", z)
        _compare(found, np.tanh(z), call)


@check(points=1)
def test_relu(learner, rng):
    for _ in range(3):
        z = random_z(rng)
        found, call = _activation(learner, "relu", z)
        _compare(found, relu(z), call, "relu_wrong")


@check(points=2)
def test_leaky_relu(learner, rng):
    z = random_z(rng)
    found, call = _activation(learner, "leaky_relu", z)
    _compare(found, leaky_relu(z), call, "leaky_wrong")
    for alpha in (float(rng.uniform(0.05, 0.3)), 0.2):
        z = random_z(rng)
        z.flat[0] = -abs(z.flat[0]) - 1
        found, call = _activation(learner, "leaky_relu", z, alpha=round(alpha, 3))
        if np.allclose(found, leaky_relu(z, 0.01), atol=ATOL):
            fail("alpha_ignored", call=call, alpha=round(alpha, 3))
        _compare(found, leaky_relu(z, round(alpha, 3)), call, "leaky_wrong")


@check(points=2)
def test_softmax_rows_sum_to_one(learner, rng):
    for _ in range(4):
        z = rng.normal(0, 3, size=(int(rng.integers(2, 10)), int(rng.integers(2, 10))))
        found, call = _activation(learner, "softmax", z)
        if np.all(np.isfinite(found)) and np.allclose(found, softmax(z.T).T, atol=ATOL) and not np.allclose(found, softmax(z), atol=ATOL):
            fail("softmax_axis", call=call)
        _compare(found, softmax(z), call, "softmax_wrong")


@check(points=2)
def test_softmax_large_inputs(learner, rng):
    z = np.array([[1000.0, 1000.0], [1000.0, 990.0]]) + rng.integers(0, 5)
    found, call = _activation(learner, "softmax", z)
    if not np.all(np.isfinite(found)):
        fail("softmax_overflow", call=call.replace(f"<array of shape {z.shape}>", np.array2string(z, separator=', ')), found=found.ravel())
    _compare(found, softmax(z), call, "softmax_wrong")


# ----------------------------------------------------------------------------- forward pass


def random_layer(rng, n_inputs: int, activation):
    units = int(rng.integers(1, 8))
    return rng.normal(0, 0.8, size=(n_inputs, units)), rng.normal(0, 0.5, size=units), activation


@check(points=2)
def test_dense_forward(learner, rng):
    for activation in (None, "relu", "sigmoid", "tanh"):
        n, n_inputs = int(rng.integers(1, 10)), int(rng.integers(1, 8))
        x = rng.normal(size=(n, n_inputs))
        weights, bias, _ = random_layer(rng, n_inputs, activation)
        call = f"dense_forward(x {x.shape}, weights {weights.shape}, bias {bias.shape}, activation={activation!r})"
        found = as_array(learner.dense_forward(x, weights, bias, activation=activation), call, shape=(n, weights.shape[1]))
        expected = dense(x, weights, bias, activation)
        if activation is None and np.allclose(found, x @ weights, atol=ATOL) and not np.allclose(bias, 0):
            fail("bias_missing", call=call)
        _compare(found, expected, call, "dense_wrong", activation=activation)


@check(points=2)
def test_forward_stack(learner, rng):
    for _ in range(3):
        n_inputs = int(rng.integers(2, 8))
        x = rng.normal(size=(int(rng.integers(1, 8)), n_inputs))
        layers = []
        for activation in ("relu", "tanh", "softmax")[-int(rng.integers(2, 4)):]:
            layer = random_layer(rng, n_inputs if not layers else layers[-1][0].shape[1], activation)
            layers.append(layer)
        expected = x
        for weights, bias, activation in layers:
            expected = dense(expected, weights, bias, activation)
        call = f"forward(x {x.shape}, <{len(layers)} layers: {', '.join(str(a) for _, _, a in layers)}>)"
        found = as_array(learner.forward(x, layers), call, shape=expected.shape)
        _compare(found, expected, call, "forward_wrong")


# ----------------------------------------------------------------------------- losses


def _loss(learner, name: str, y, p, expected: float, **diagnoses) -> None:
    call = f"{name}(y of shape {np.shape(y)}, p of shape {np.shape(p)})"
    found = _number(learner.call(name, y, p), call)
    if not np.isfinite(found):
        fail("loss_not_finite", call=call, found=found)
    if abs(found - expected) <= ATOL + RTOL * abs(expected):
        return
    for message_id, wrong in diagnoses.items():
        if abs(found - wrong) <= ATOL + RTOL * abs(wrong):
            fail(message_id, call=call, found=round(found, 6), expected=round(expected, 6))
    fail("loss_wrong", call=call, found=round(found, 6), expected=round(expected, 6))


@check(points=1)
def test_mse(learner, rng):
    for _ in range(4):
        y = rng.normal(size=(int(rng.integers(2, 30)), int(rng.integers(1, 4))))
        p = y + rng.normal(0, 0.5, size=y.shape)
        _loss(learner, "mse", y, p, mse(y, p), loss_summed=float(np.sum((y - p) ** 2)), mse_not_squared=float(np.mean(np.abs(y - p))))


@check(points=2)
def test_binary_crossentropy(learner, rng):
    for _ in range(4):
        n = int(rng.integers(3, 40))
        y = rng.integers(0, 2, size=n).astype(float)
        p = rng.uniform(0.01, 0.99, size=n)
        bce = binary_crossentropy(y, p)
        _loss(learner, "binary_crossentropy", y, p, bce, loss_summed=bce * n, loss_sign=-bce)


@check(points=1)
def test_binary_crossentropy_clips(learner, rng):
    y = np.array([0.0, 1.0, 1.0, 0.0] + [float(v) for v in rng.integers(0, 2, size=4)])
    p = np.array([1.0, 0.0, 1.0, 0.0] + [float(v) for v in rng.uniform(0.1, 0.9, size=4)])
    _loss(learner, "binary_crossentropy", y, p, binary_crossentropy(y, p))


@check(points=2)
def test_categorical_crossentropy(learner, rng):
    for _ in range(4):
        n, k = int(rng.integers(2, 30)), int(rng.integers(2, 8))
        y = np.eye(k)[rng.integers(0, k, size=n)]
        p = softmax(rng.normal(size=(n, k)))
        p[0] = np.eye(k)[(int(np.argmax(y[0])) + 1) % k]  # a confident wrong answer: needs the clip
        cce = categorical_crossentropy(y, p)
        _loss(learner, "categorical_crossentropy", y, p, cce, loss_summed=cce * n, loss_sign=-cce)
