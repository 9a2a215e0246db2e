"""Hidden checks for exercise 06: activations, a forward pass and losses in numpy.

Expected values are the formulas computed here in float64 numpy; the project's
tests prove them equal to keras.activations, keras.losses and a real Dense layer
(away from the clip edges, where Keras's float32 arithmetic rounds 1 - 1e-7).

Granularity: each function is judged on its own. ``dense_forward`` also passes
when it agrees with the learner's *own* activation function (a wrong relu loses
only the relu check), and ``forward`` also passes when it chains the learner's
own ``dense_forward`` correctly (a missing bias loses only dense_forward).
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import LearnerProblem, as_array, as_number, check, close, expect, fail, preview

EPSILON = 1e-7
ATOL, RTOL = 1e-5, 1e-5
# Keras computes the clip in float32, where 1 - 1e-7 rounds: -log(clip) at the edges is
# 15.942 there and 16.118 in float64. At the clip edges either is accepted.
EDGE_RTOL = 0.02

# ----------------------------------------------------------------------------- the math (float64)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def relu(z):
    return np.maximum(0.0, z)


KERAS_LEAKY_SLOPE = 0.2  # keras.activations.leaky_relu's default negative_slope


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def softmax(z, axis=-1):
    shifted = np.exp(z - z.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    None: lambda z: z,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}


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


def _shown(values, digits: int = 6) -> str:
    """The first few values of an array, rounded, for a message: "[0.731059, 0.5, ...]"."""
    try:
        flat = np.asarray(values, dtype=float).ravel()
    except (OverflowError, ValueError, TypeError):  # an int with hundreds of digits, a string
        return preview(values, 80)
    parts = [f"{round(v, digits):g}" if math.isfinite(v) else str(v) for v in flat[:4].tolist()]
    return "[" + ", ".join(parts + (["..."] if flat.size > 4 else [])) + "]"


def _array_text(z: np.ndarray) -> str:
    return np.array2string(z, separator=", ", formatter={"float_kind": lambda v: f"{v:g}"}).replace("\n", "")


def _numeric(value, call: str, shape: tuple) -> np.ndarray:
    """The learner's array as float64 with the expected shape, or a failure (never a crash)."""
    return as_array(value, call, shape=shape).astype(float)  # as_array refuses non-numeric dtypes


def _close(found, expected, atol: float = ATOL, rtol: float = RTOL) -> bool:
    return np.shape(found) == np.shape(expected) and bool(np.allclose(found, expected, atol=atol, rtol=rtol))


def _require_finite(found, expected, call: str) -> None:
    if not np.all(np.isfinite(found)) and np.all(np.isfinite(expected)):
        fail("values_not_finite", call=call, found=_shown(found), expected=_shown(expected))


def _compare(found, expected, call: str, message_id: str, **params) -> None:
    _require_finite(found, expected, call)
    if not _close(found, expected):
        fail(message_id, call=call, found=_shown(found), expected=_shown(expected), **params)


def _describe(z: np.ndarray) -> str:
    return f"<array of shape {z.shape}>"


def _activation(learner, name: str, z: np.ndarray, **kwargs) -> tuple[np.ndarray, str]:
    call = f"{name}({_describe(z)}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    return _numeric(learner.call(name, z, **kwargs), call, z.shape), call


def _quietly(function, *args, **kwargs):
    """Call the learner for a second opinion; a problem there is not this check's verdict."""
    try:
        return function(*args, **kwargs)
    except LearnerProblem:
        return None


# ----------------------------------------------------------------------------- activations


@check(points=2)
def test_sigmoid(learner, rng):
    for _ in range(5):
        z = random_z(rng)
        found, call = _activation(learner, "sigmoid", z)
        _require_finite(found, sigmoid(z), call)
        if not _close(found, sigmoid(z)) and _close(found, sigmoid(-z)):
            fail("sigmoid_sign", call=call, found=_shown(found), expected=_shown(sigmoid(z)))
        _compare(found, sigmoid(z), call, "sigmoid_wrong")


@check(points=1)
def test_course_worked_numbers(learner):
    for value, expected, shown in ((1.0, 0.7310585786, "0.73"), (0.0, 0.5, "0.5")):
        z = np.array([value])
        found, _ = _activation(learner, "sigmoid", z)
        got = float(found[0])
        expect(
            math.isfinite(got) and abs(got - expected) < 1e-4,
            "course_sigmoid",
            call=f"sigmoid(np.array([{value}]))",
            found=_shown([got], 4),
            expected=shown,
            z=value,
        )


@check(points=1)
def test_tanh(learner, rng):
    for _ in range(3):
        z = random_z(rng, 3.0)
        found, call = _activation(learner, "tanh", z)
        _compare(found, np.tanh(z), call, "tanh_wrong")


@check(points=1)
def test_relu(learner, rng):
    for _ in range(3):
        z = random_z(rng)
        z.flat[0] = -abs(z.flat[0]) - 0.5  # at least one negative input
        call = f"relu({_describe(z)})"
        raw = learner.relu(z)
        if isinstance(raw, (int, float)) or (
            isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf" and raw.shape != z.shape
        ):
            fail("relu_reduced", call=call, found=_shown(raw), shape=z.shape)
        found = _numeric(raw, call, z.shape)
        _compare(found, relu(z), call, "relu_wrong")


@check(points=1)
def test_leaky_relu(learner, rng):
    for _ in range(3):
        z = random_z(rng)
        z.flat[0] = -abs(z.flat[0]) - 0.5
        found, call = _activation(learner, "leaky_relu", z)
        _require_finite(found, leaky_relu(z), call)
        if not _close(found, leaky_relu(z)) and _close(found, relu(z)):
            fail("leaky_is_relu", call=call, found=_shown(found), expected=_shown(leaky_relu(z)))
        _compare(found, leaky_relu(z), call, "leaky_wrong", alpha=0.01)


@check(points=1)
def test_leaky_relu_alpha(learner, rng):
    for alpha in (round(float(rng.uniform(0.05, 0.3)), 3), 0.2):
        z = random_z(rng)
        z.flat[0] = -abs(z.flat[0]) - 1
        found, call = _activation(learner, "leaky_relu", z, alpha=alpha)
        expected = leaky_relu(z, alpha)
        _require_finite(found, expected, call)
        if not _close(found, expected) and _close(found, leaky_relu(z, 0.01)):
            fail("alpha_ignored", call=call, alpha=alpha, found=_shown(found), expected=_shown(expected))
        _compare(found, expected, call, "leaky_wrong", alpha=alpha)


@check(points=2)
def test_softmax_rows_sum_to_one(learner, rng):
    shapes = [(int(rng.integers(2, 8)), int(rng.integers(2, 8))) for _ in range(3)] + [(int(rng.integers(3, 8)),)]
    for shape in shapes:
        z = rng.normal(0, 3, size=shape)
        if len(shape) == 2 and shape[0] == shape[1]:
            z = z[:, :-1]  # never square, so normalising the wrong axis cannot pass by accident
        found, call = _activation(learner, "softmax", z)
        expected = softmax(z)
        _require_finite(found, expected, call)
        if _close(found, expected):
            continue
        if z.ndim == 2 and _close(found, softmax(z, axis=0)):
            fail("softmax_axis", call=call, sums=_shown(found.sum(axis=-1), 4))
        sums = found.sum(axis=-1)
        if not np.allclose(sums, 1.0, atol=1e-4):
            fail("softmax_sums", call=call, sums=_shown(np.atleast_1d(sums), 4))
        fail("softmax_wrong", call=call, found=_shown(found), expected=_shown(expected))


@check(points=2)
def test_softmax_large_inputs(learner, rng):
    """Stability only: a softmax over the wrong axis already lost softmax_rows_sum_to_one."""
    k = int(rng.integers(2, 5))
    z = np.vstack(
        [
            np.full(k, 1000.0),
            1000.0 + np.round(rng.normal(0, 5, size=k), 1),
            -1000.0 + np.round(rng.normal(0, 5, size=k), 1),
            np.round(rng.normal(0, 2, size=k), 1),
        ]
    )
    call = f"softmax({_array_text(z)})"
    found = _numeric(learner.softmax(z), call, z.shape)
    finite = np.isfinite(found).all(axis=-1)
    if not finite[:2].all():
        fail("softmax_overflow", call=call, row=_array_text(z[0]), found=_shown(found[0]))
    if not finite.all():
        fail("softmax_global_max", call=call, row=_array_text(z[2]), found=_shown(found[2]))
    if _close(found, softmax(z)) or _close(found, softmax(z, axis=0)):
        return
    fail("softmax_wrong", call=call, found=_shown(found), expected=_shown(softmax(z)))


# ----------------------------------------------------------------------------- forward pass


def random_layer(rng, n_inputs: int, activation, *, bias: bool = True):
    units = int(rng.integers(2, 8))
    weights = rng.normal(0, 0.8, size=(n_inputs, units))
    return weights, (rng.normal(0, 0.5, size=units) if bias else np.zeros(units)), activation


def _dense_call(x, weights, bias, activation) -> str:
    return f"dense_forward(x {x.shape}, weights {weights.shape}, bias {bias.shape}, activation={activation!r})"


@check(points=2)
def test_dense_forward_linear(learner, rng):
    for _ in range(4):
        n, n_inputs = int(rng.integers(1, 10)), int(rng.integers(2, 8))
        x = rng.normal(size=(n, n_inputs))
        weights, bias, _ = random_layer(rng, n_inputs, None)
        call = _dense_call(x, weights, bias, None)
        found = _numeric(learner.dense_forward(x, weights, bias, activation=None), call, (n, weights.shape[1]))
        expected = dense(x, weights, bias)
        _require_finite(found, expected, call)
        if not _close(found, expected) and _close(found, x @ weights):
            fail("bias_missing", call=call, found=_shown(found), expected=_shown(expected))
        _compare(found, expected, call, "dense_wrong", activation=None)


@check(points=2)
def test_dense_forward_activation(learner, rng):
    """The activation looked up by name. Zero bias, so a missing bias is judged only above."""
    for activation in ("relu", "sigmoid", "tanh", "leaky_relu", "softmax"):
        n, n_inputs = int(rng.integers(2, 10)), int(rng.integers(2, 8))
        x = rng.normal(size=(n, n_inputs))
        weights, bias, _ = random_layer(rng, n_inputs, activation, bias=False)
        call = _dense_call(x, weights, bias, activation)
        raw = learner.dense_forward(x, weights, bias, activation=activation)
        z = x @ weights
        expected = ACTIVATIONS[activation](z)
        if _same_value(raw, expected):
            continue
        if activation == "leaky_relu" and _same_value(raw, leaky_relu(z, KERAS_LEAKY_SLOPE)):
            continue  # Keras's own activation="leaky_relu" (keras.activations.leaky_relu) has slope 0.2
        if _same_value(raw, _quietly(learner.call, activation, z)):
            continue  # it applies the learner's own activation correctly; that function is judged by its own check
        found = _numeric(raw, call, (n, weights.shape[1]))
        _require_finite(found, expected, call)
        if _close(found, z):
            fail("activation_ignored", call=call, activation=activation)
        fail("dense_wrong", call=call, found=_shown(found), expected=_shown(expected), activation=activation)


@check(points=2)
def test_forward_stack(learner, rng):
    for _ in range(3):
        n_inputs = int(rng.integers(2, 8))
        x = rng.normal(size=(int(rng.integers(1, 8)), n_inputs))
        layers = []
        for activation in ("relu", "tanh", "sigmoid", "softmax")[-int(rng.integers(2, 5)) :]:
            layers.append(random_layer(rng, n_inputs if not layers else layers[-1][0].shape[1], activation))
        expected = x
        for weights, bias, activation in layers:
            expected = dense(expected, weights, bias, activation)
        call = f"forward(x {x.shape}, <{len(layers)} layers: {', '.join(str(a) for _, _, a in layers)}>)"
        raw = learner.forward(x, layers)
        if _same_value(raw, expected) or _same_value(raw, _own_dense_chain(learner, x, layers)):
            continue  # right, or a right chain of the learner's own dense_forward (judged by its own checks)
        if _same_value(raw, dense(x, *layers[0])):
            fail("forward_one_layer", call=call)
        found = _numeric(raw, call, expected.shape)
        _require_finite(found, expected, call)
        fail("forward_wrong", call=call, found=_shown(found), expected=_shown(expected))


def _own_dense_chain(learner, x, layers):
    """The learner's own dense_forward applied layer after layer (None if it fails on the way)."""
    value = x
    for weights, bias, activation in layers:
        value = _quietly(learner.dense_forward, value, weights, bias, activation=activation)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            return None
    return value


def _same_value(found, reference) -> bool:
    """Two numeric arrays of one shape that agree (NaN agreeing with NaN); anything else is not the same."""
    if not (isinstance(found, np.ndarray) and isinstance(reference, np.ndarray)):
        return False
    if found.dtype.kind not in "biuf" or reference.dtype.kind not in "biuf" or found.shape != reference.shape:
        return False
    return bool(np.allclose(found.astype(float), reference.astype(float), atol=ATOL, rtol=RTOL, equal_nan=True))


# ----------------------------------------------------------------------------- losses


def _loss_value(learner, name: str, y, p) -> tuple[float, str]:
    call = f"{name}(y of shape {np.shape(y)}, p of shape {np.shape(p)})"
    return as_number(learner.call(name, y, p), call, "one number (the mean loss), e.g. a float"), call


def _judge_loss(found: float, call: str, expected: float, not_finite: str, **diagnoses: float) -> None:
    if not math.isfinite(found):
        fail(not_finite, call=call, found=found)
    if abs(found - expected) <= ATOL + RTOL * abs(expected):
        return
    for message_id, wrong in diagnoses.items():
        if abs(found - wrong) <= ATOL + RTOL * abs(wrong):
            fail(message_id, call=call, found=round(found, 6), expected=round(expected, 6))
    fail("loss_wrong", call=call, found=round(found, 6), expected=round(expected, 6))


@check(points=1)
def test_mse(learner, rng):
    for _ in range(4):
        y = rng.normal(size=(int(rng.integers(2, 30)), int(rng.integers(2, 4))))
        p = y + rng.normal(0, 0.5, size=y.shape)
        found, call = _loss_value(learner, "mse", y, p)
        _judge_loss(
            found,
            call,
            mse(y, p),
            "mse_not_finite",
            loss_summed=float(np.sum((y - p) ** 2)),
            mse_summed_outputs=float(np.mean(np.sum((y - p) ** 2, axis=-1))),
            mse_not_squared=float(np.mean(np.abs(y - p))),
            mse_signed_errors=float(np.mean(y - p)),
            mse_signed_errors_reversed=float(np.mean(p - y)),
            mse_root=math.sqrt(mse(y, p)),
            mse_half=0.5 * mse(y, p),
            mse_half_summed=0.5 * float(np.sum((y - p) ** 2)),
        )


COURSE_X = np.array([[1.0, -1.0]])
COURSE_LAYERS = [  # the course's worked forward pass (the stub's docstring of forward)
    (np.array([[2.0, 1.0], [1.0, 1.0]]), np.zeros(2), "sigmoid"),
    (np.array([[0.5], [0.14]]), np.zeros(1), None),
]


@check(points=1)
def test_course_forward_and_loss(learner):
    """The course's numbers: x = (1, -1) through sigmoid(1) = 0.73 and sigmoid(0) = 0.5 to the prediction
    0.436, and its MSE against the target 0.4, (0.436 - 0.4) ** 2 = 0.001296."""
    expected = COURSE_X
    for weights, bias, activation in COURSE_LAYERS:
        expected = dense(expected, weights, bias, activation)
    call = (  # the course's layers as code: it reads the same in every language
        "forward(np.array([[1.0, -1.0]]), [(np.array([[2.0, 1.0], [1.0, 1.0]]), np.zeros(2), 'sigmoid'), "
        "(np.array([[0.5], [0.14]]), np.zeros(1), None)])"
    )
    found = _numeric(learner.forward(COURSE_X, COURSE_LAYERS), call, (1, 1))
    expect(
        np.allclose(found, expected, atol=1e-4),
        "course_forward",
        call=call,
        found=_shown(found.ravel(), 4),
        expected=round(float(expected[0, 0]), 4),
    )
    call = "mse(np.array([0.4]), np.array([0.436]))"
    value = learner.mse(np.array([0.4]), np.array([0.436]))
    loss = as_number(value, call)
    # a float32 loss (keras.losses, tf.reduce_mean) is judged at float32 precision: 0.436 and 0.4 are
    # rounded before they cancel, so the size that matters is 2 * 0.036 * (0.436 + 0.4)
    held = np.asarray(value).reshape(()) if isinstance(value, (np.ndarray, np.generic)) else np.float64(loss)
    expect(
        math.isfinite(loss) and close(held, 0.001296, atol=1e-9, rtol=0.0, magnitude=2 * 0.036 * 0.836),
        "course_mse",
        call=call,
        found=loss,
    )


@check(points=2)
def test_binary_crossentropy(learner, rng):
    for _ in range(4):
        n = int(rng.integers(3, 40))
        y = rng.integers(0, 2, size=n).astype(float)
        y[:2] = (0.0, 1.0)
        p = rng.uniform(0.01, 0.99, size=n)
        bce = binary_crossentropy(y, p)
        found, call = _loss_value(learner, "binary_crossentropy", y, p)
        _judge_loss(
            found,
            call,
            bce,
            "loss_not_finite",
            loss_summed=bce * n,
            loss_sign=-bce,
            bce_one_term=float(-np.mean(y * np.log(p))),
        )


def _clip_case(found: float, call: str, expected: float, y, p, *, scales=(1.0,)) -> None:
    """At the clip edges: finite, and -log of the right epsilon. Sign and aggregation are judged elsewhere."""
    if not math.isfinite(found):
        fail("clip_missing", call=call, found=found, y=y, p=p)
    candidates = [sign * expected / scale for scale in scales for sign in (1, -1)]
    if any(abs(found - c) <= ATOL + EDGE_RTOL * abs(c) for c in candidates):
        return
    implied = min((abs(found) * scale for scale in scales), key=lambda value: abs(value - expected))
    if expected > 1 and implied > 1:  # -log(eps) for some other eps
        eps = math.exp(-implied)
        fail(
            "clip_other_epsilon",
            call=call,
            found=round(found, 4),
            expected=round(expected, 4),
            eps=f"{eps:.0e}",
            y=y,
            p=p,
        )
    fail("clip_wrong", call=call, found=round(found, 6), expected=round(expected, 6), y=y, p=p)


@check(points=1)
def test_binary_crossentropy_clips(learner, rng):
    # Label 1 only: the (1 - y) log(1 - p) term is judged by binary_crossentropy; without a clip,
    # p = 0 gives log(0) = -inf and p = 1 gives 0 * log(0) = nan, so both edges are covered.
    cases = [(1.0, 0.0), (1.0, 1.0), (1.0, float(rng.choice([1e-9, 1e-12])))]
    for label, probability in cases:
        y, p = np.array([label]), np.array([probability])
        found, _ = _loss_value(learner, "binary_crossentropy", y, p)
        call = f"binary_crossentropy(np.array([{label}]), np.array([{probability}]))"
        _clip_case(found, call, binary_crossentropy(y, p), [label], [probability])


@check(points=2)
def test_categorical_crossentropy(learner, rng):
    for _ in range(4):
        n, k = int(rng.integers(2, 30)), int(rng.integers(3, 8))
        y = np.eye(k)[rng.integers(0, k, size=n)]
        p = softmax(rng.normal(size=(n, k)))
        cce = categorical_crossentropy(y, p)
        found, call = _loss_value(learner, "categorical_crossentropy", y, p)
        _judge_loss(
            found, call, cce, "loss_not_finite", loss_summed=cce * n, cce_mean_over_classes=cce / k, loss_sign=-cce
        )


@check(points=1)
def test_categorical_crossentropy_clips(learner, rng):
    k = int(rng.integers(3, 7))
    true_class = int(rng.integers(0, k))
    other = (true_class + int(rng.integers(1, k))) % k
    y = np.eye(k)[[true_class]]
    for p in (np.eye(k)[[other]], np.eye(k)[[true_class]]):  # confidently wrong (p_true = 0), then confidently right
        found, _ = _loss_value(learner, "categorical_crossentropy", y, p)
        call = f"categorical_crossentropy(np.array({y.astype(int).tolist()}), np.array({p.tolist()}))"
        # A mean over all N * k numbers (÷ k) already lost categorical_crossentropy; here only the clip counts.
        _clip_case(
            found, call, categorical_crossentropy(y, p), y.astype(int).tolist(), p.tolist(), scales=(1.0, float(k))
        )
