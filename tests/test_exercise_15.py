"""Exercise 15 backpropagation: stub 0, solution full, wrong answers lose exactly their checks (on seeds 0, 1
and 2), correct answers written otherwise keep full marks, odd values never crash the checker, grading never
imports TensorFlow, and the checks' finite differences equal the analytic gradients and tf.GradientTape."""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from support import (
    assert_loses_exactly,
    describe,
    feedback_test,
    grade_source,
    mutate,
    odd_answer_test,
    solution_source,
    stub_source,
    wrong_answer_test,
)

from grader.engine import GradeOptions
from grader.exercises.exercise_15_backpropagation import checks

EXERCISE = "exercise-15"
SEEDS = (0, 1, 2)

BACKWARD = {"backward_output_layer", "backward_hidden_layer", "backward_tanh_and_relu", "backward_several_outputs"}
TRAINING = {"train_solves_xor", "train_loss_falls"}

WRONG_ANSWERS = {
    "sigmoid derivative written for the output, applied to z": (
        [("    s = _sigmoid(np.asarray(z, dtype=float))\n    return s * (1.0 - s)", "    return z * (1.0 - z)")],
        {"sigmoid_grad"},
    ),
    "tanh derivative written for the output, applied to z": (
        [("return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2", "return 1.0 - np.asarray(z, dtype=float) ** 2")],
        {"tanh_grad"},
    ),
    "relu derivative 1 at z = 0": (
        [("np.where(np.asarray(z) > 0, 1.0, 0.0)", "np.where(np.asarray(z) >= 0, 1.0, 0.0)")],
        {"relu_grad"},
    ),
    "backward takes the derivative at the output h": (
        [
            ("lambda z, h: h * (1.0 - h)", "lambda z, h: _sigmoid(h) * (1.0 - _sigmoid(h))"),
            ("lambda z, h: 1.0 - h**2", "lambda z, h: 1.0 - np.tanh(h) ** 2"),
        ],
        {"backward_hidden_layer", "backward_tanh_and_relu", "backward_several_outputs", "train_solves_xor"},
    ),
    "backward forgets the 1/N of the mean": (
        [("dp = 2.0 * error / p.size", "dp = 2.0 * error")],
        BACKWARD | TRAINING,
    ),
    "backward averages over the samples only": (
        [("dp = 2.0 * error / p.size", "dp = 2.0 * error / len(p)")],
        {"backward_several_outputs"},
    ),
    "backward transposes the W1 gradient": (
        [("grad_W1 = x.T @ dz", "grad_W1 = dz.T @ x")],
        {"backward_hidden_layer", "backward_tanh_and_relu", "backward_several_outputs", *TRAINING},
    ),
    "backward transposes the W2 gradient": (
        [("grad_W2 = h.T @ dp", "grad_W2 = dp.T @ h")],
        {"backward_output_layer", "backward_several_outputs", *TRAINING},
    ),
    "backward averages the bias gradients again": (
        [("grad_b2 = dp.sum(axis=0)", "grad_b2 = dp.mean(axis=0)")],
        {"backward_output_layer", "backward_several_outputs"},
    ),
    "backward ignores hidden_activation": (
        [("_ACTIVATIONS[hidden_activation]", '_ACTIVATIONS["sigmoid"]')],
        {"backward_tanh_and_relu"},
    ),
    "mae without the absolute value": (
        [("np.mean(np.abs(np.asarray(y_true, dtype=float) - ", "np.mean((np.asarray(y_true, dtype=float) - ")],
        {"mae"},
    ),
    "huber's linear branch without the offset": (
        [("linear = delta * (error - 0.5 * delta)", "linear = delta * error")],
        {"huber_both_branches"},
    ),
    "huber's quadratic branch without the half": (
        [("quadratic = 0.5 * error**2", "quadratic = error**2")],
        {"huber_small_errors", "huber_both_branches"},
    ),
    "huber ignores delta": (
        [("    quadratic = 0.5 * error**2", "    delta = 1.0\n    quadratic = 0.5 * error**2")],
        {"huber_small_errors", "huber_both_branches"},
    ),
    "one loss too many": (
        [("    return params, losses", "    return params, [*losses, losses[-1]]")],
        {"train_loss_falls"},
    ),
    "training ignores the learning rate": (
        [("p - learning_rate * grads[name]", "p - 0.01 * grads[name]")],
        {"train_solves_xor"},
    ),
    "xor_network with a single layer": (
        [('    return [(W1, b1, "step"), (W2, b2, "step")]', '    return [(np.array([[1.0], [1.0]]), -0.5, "step")]')],
        {"xor_network"},
    ),
    "xor_network's NAND unit never fires": (
        [("b1 = np.array([-0.5, 1.5])", "b1 = np.array([-0.5, -0.5])")],
        {"xor_network"},
    ),
}

test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


@functools.cache
def _graded_with_seed(source: str, seed: int):
    with tempfile.TemporaryDirectory() as folder:
        return grade_source(EXERCISE, source, Path(folder), options=GradeOptions(seed=seed))


HELD_OUT_MISTAKES = [
    "backward forgets the 1/N of the mean",
    "backward transposes the W1 gradient",
    "backward takes the derivative at the output h",
    "sigmoid derivative written for the output, applied to z",
    "huber's linear branch without the offset",
    "relu derivative 1 at z = 0",
    "xor_network with a single layer",
]


@pytest.mark.parametrize("seed", [1, 2])  # seed 0 is the test above
@pytest.mark.parametrize("name", HELD_OUT_MISTAKES)
def test_one_mistake_loses_exactly_its_points_on_other_seeds(name, seed):
    edits, expected = WRONG_ANSWERS[name]
    assert_loses_exactly(_graded_with_seed(mutate(solution_source(EXERCISE), *edits), seed), expected)


FEEDBACK = [
    ("sigmoid derivative written for the output, applied to z", "sigmoid_grad", ["z * (1 - z)", "at z"]),
    ("tanh derivative written for the output, applied to z", "tanh_grad", ["1 - z ** 2"]),
    ("relu derivative 1 at z = 0", "relu_grad", ["z > 0", "TensorFlow"]),
    ("backward takes the derivative at the output h", "backward_hidden_layer", ["OUTPUT", "instead of at z"]),
    ("backward forgets the 1/N of the mean", "backward_output_layer", ["1/N", "p.size"]),
    ("backward forgets the 1/N of the mean", "backward_hidden_layer", ["1/N"]),
    ("backward averages over the samples only", "backward_several_outputs", ["every element", "p.size"]),
    ("backward transposes the W1 gradient", "backward_hidden_layer", ["transposed", "x.T @ dz"]),
    ("backward transposes the W2 gradient", "backward_output_layer", ["transposed", "h.T @ dp"]),
    ("backward averages the bias gradients again", "backward_output_layer", ["SUM"]),
    ("mae without the absolute value", "mae", ["np.abs"]),
    ("huber's linear branch without the offset", "huber_both_branches", ["- 0.5 * delta"]),
    ("huber's quadratic branch without the half", "huber_small_errors", ["one half"]),
    ("huber ignores delta", "huber_small_errors", ["delta = 1.0"]),
    ("one loss too many", "train_loss_falls", ["one per epoch"]),
    ("training ignores the learning rate", "train_solves_xor", ["seeds tried", "4 of 5 are needed"]),
    ("xor_network with a single layer", "xor_network", ["single layer", "straight line"]),
    ("xor_network's NAND unit never fires", "xor_network", ["[0, 0, 0, 0]", "hidden unit"]),
]

test_feedback_names_the_mistake = feedback_test(EXERCISE, WRONG_ANSWERS, FEEDBACK)


ODD_ANSWERS = [
    ("    return s * (1.0 - s)", "    return 'slope'", "sigmoid_grad", "str"),
    ("    return s * (1.0 - s)", "    return np.full(np.shape(z), np.nan)", "sigmoid_grad", "nan"),
    ("    return s * (1.0 - s)", "    return (s * (1.0 - s)).ravel()", "sigmoid_grad", "shape"),
    (
        "    return grads",
        '    return {**grads, "W2": [[10**400]] * len(grads["W2"])}',
        "backward_output_layer",
        "large",
    ),
    (
        "    return grads",
        '    return [grads[k] for k in ("W1", "b1", "W2", "b2")]',
        "backward_hidden_layer",
        "dict",
    ),
    (
        "    return grads",
        '    return {("w1" if k == "W1" else k): v for k, v in grads.items()}',
        "backward_hidden_layer",
        "'W1'",
    ),
    ("    return params, losses", "    return params, 'done'", "train_loss_falls", "list of losses"),
    ("    return params, losses", "    return params", "train_solves_xor", "tuple"),
    ("    return params, losses", "    return params, [float('nan')] * len(losses)", "train_loss_falls", "NaN"),
    (
        '    return [(W1, b1, "step"), (W2, b2, "step")]',
        '    return [(W1, b1, "step"), (W2, b2, print)]',
        "xor_network",
        "activation",
    ),
    (
        '    return [(W1, b1, "step"), (W2, b2, "step")]',
        '    return [(W1, b1, "step"), (W2, b2 + 0.5, "sigmoid")]',
        "xor_network",
        "threshold",
    ),
    (
        '    return [(W1, b1, "step"), (W2, b2, "step")]',
        '    return [(W1, b1, "step"), (W2.T, b2, "step")]',
        "xor_network",
        "shape",
    ),
    (
        "    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))",
        "    return np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))",
        "mae",
        "one number",
    ),
]

test_odd_return_values_fail_with_a_message_never_crash_the_checker = odd_answer_test(EXERCISE, ODD_ANSWERS)


# --------------------------------------------------------------------------- correct answers written otherwise

# y as (N, out) only (no reshape), losses before each update, Glorot's start, relu_grad as ints, Huber by min().
COLUMN_Y = """
import numpy as np


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_grad(z):
    h = _sigmoid(z)
    return h * (1 - h)


def tanh_grad(z):
    return 1 / np.cosh(z) ** 2


def relu_grad(z):
    return (np.asarray(z) > 0).astype(int)


def mae(y_true, y_pred):
    return np.abs(np.subtract(y_true, y_pred)).mean()


def huber(y_true, y_pred, delta=1.0):
    e = np.abs(np.subtract(y_true, y_pred))
    small = np.minimum(e, delta)
    return np.mean(0.5 * small ** 2 + delta * (e - small))


def backward(x, y, W1, b1, W2, b2, hidden_activation="sigmoid"):
    z = x @ W1 + b1
    if hidden_activation == "sigmoid":
        h = _sigmoid(z)
        local = h * (1 - h)
    elif hidden_activation == "tanh":
        h = np.tanh(z)
        local = 1 - h ** 2
    else:
        h = np.maximum(0, z)
        local = relu_grad(z)
    p = h @ W2 + b2
    n_elements = p.shape[0] * p.shape[1]
    delta_out = 2 / n_elements * (p - y)
    delta_hidden = (delta_out @ W2.T) * local
    return dict(W2=h.T @ delta_out, b2=np.sum(delta_out, axis=0),
                W1=x.T @ delta_hidden, b1=np.sum(delta_hidden, axis=0))


def train_two_layer(x, y, hidden_units=4, learning_rate=0.5, epochs=2000, seed=0):
    rng = np.random.default_rng(seed)
    limit1 = np.sqrt(6 / (x.shape[1] + hidden_units))
    limit2 = np.sqrt(6 / (hidden_units + y.shape[1]))
    W1 = rng.uniform(-limit1, limit1, (x.shape[1], hidden_units))
    W2 = rng.uniform(-limit2, limit2, (hidden_units, y.shape[1]))
    b1, b2 = np.zeros(hidden_units), np.zeros(y.shape[1])
    history = []
    for epoch in range(epochs):
        p = _sigmoid(x @ W1 + b1) @ W2 + b2
        history.append(np.mean((p - y) ** 2))
        g = backward(x, y, W1, b1, W2, b2)
        W1 -= learning_rate * g["W1"]
        b1 -= learning_rate * g["b1"]
        W2 -= learning_rate * g["W2"]
        b2 -= learning_rate * g["b2"]
    return [W1, b1, W2, b2], np.array(history)


def xor_network():
    hidden = ([[20, -20], [20, -20]], [-10, 30], "sigmoid")
    output = ([20, 20], -30, "sigmoid")
    return [hidden, output]
"""

# Written for y of shape (N,) with one output (p.squeeze() - y): it raises on (N, 1), so the grader's other
# reading is what grades it; several outputs still work. A ReLU network for XOR with a 1-D output layer.
SQUEEZED_Y = """
import math
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_grad(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def relu_grad(z):
    return np.heaviside(z, 0.0)


def mae(y_true, y_pred):
    return float(np.average(np.absolute(np.asarray(y_pred) - np.asarray(y_true))))


def huber(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    inside = np.abs(r) <= delta
    loss = np.empty_like(r)
    loss[inside] = r[inside] ** 2 / 2
    loss[~inside] = delta * np.abs(r[~inside]) - delta ** 2 / 2
    return loss.mean()


ACT = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (np.tanh, tanh_grad), "relu": (lambda z: np.maximum(z, 0), relu_grad)}


def backward(x, y, W1, b1, W2, b2, hidden_activation="sigmoid"):
    f, df = ACT[hidden_activation]
    z = x @ W1 + b1
    h = f(z)
    p = h @ W2 + b2
    err = p.squeeze() - y
    dp = (2 * err / err.size).reshape(p.shape)
    dz = dp @ W2.T * df(z)
    return {"W1": x.T @ dz, "b1": dz.sum(0), "W2": h.T @ dp, "b2": dp.sum(0)}


def train_two_layer(x, y, hidden_units=4, learning_rate=0.5, epochs=2000, seed=0):
    y = np.asarray(y).ravel()
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((x.shape[1], hidden_units))
    W2 = rng.standard_normal((hidden_units, 1))
    b1, b2 = np.zeros(hidden_units), np.zeros(1)
    losses = []
    for _ in range(epochs):
        g = backward(x, y, W1, b1, W2, b2)
        W1, b1, W2, b2 = (W1 - learning_rate * g["W1"], b1 - learning_rate * g["b1"],
                          W2 - learning_rate * g["W2"], b2 - learning_rate * g["b2"])
        losses.append(float(np.mean(((sigmoid(x @ W1 + b1) @ W2 + b2).squeeze() - y) ** 2)))
    return (W1, b1, W2, b2), losses


def xor_network():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]), "relu"),
            (np.array([1.0, -2.0]), 0.0, None)]
"""

# Loops over the samples and the units (a textbook's first backward), lists everywhere in xor_network.
LOOPS = """
import math
import random


def _sig(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _map(f, z):
    import numpy as np
    z = np.asarray(z, dtype=float)
    return np.array([f(v) for v in z.ravel()]).reshape(z.shape)


def sigmoid_grad(z):
    return _map(lambda v: _sig(v) * (1 - _sig(v)), z)


def tanh_grad(z):
    return _map(lambda v: 1 - math.tanh(v) ** 2, z)


def relu_grad(z):
    return _map(lambda v: 1.0 if v > 0 else 0.0, z)


def mae(y_true, y_pred):
    import numpy as np
    a, b = np.ravel(y_true), np.ravel(y_pred)
    return sum(abs(float(u) - float(v)) for u, v in zip(a, b)) / len(a)


def huber(y_true, y_pred, delta=1.0):
    import numpy as np
    total = 0.0
    a, b = np.ravel(y_true), np.ravel(y_pred)
    for u, v in zip(a, b):
        e = abs(float(u) - float(v))
        total += 0.5 * e * e if e <= delta else delta * (e - 0.5 * delta)
    return total / len(a)


def backward(x, y, W1, b1, W2, b2, hidden_activation="sigmoid"):
    import numpy as np
    act = {"sigmoid": _sig, "tanh": math.tanh, "relu": lambda v: max(v, 0.0)}[hidden_activation]
    dact = {"sigmoid": lambda v: _sig(v) * (1 - _sig(v)), "tanh": lambda v: 1 - math.tanh(v) ** 2,
            "relu": lambda v: 1.0 if v > 0 else 0.0}[hidden_activation]
    x, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (x, W1, b1, W2, b2))
    n, f = x.shape
    hidden, out = W2.shape
    y = np.asarray(y, dtype=float).reshape(n, out)
    gW1, gb1, gW2, gb2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
    for i in range(n):
        z = [sum(x[i, k] * W1[k, j] for k in range(f)) + b1[j] for j in range(hidden)]
        h = [act(v) for v in z]
        for o in range(out):
            p = sum(h[j] * W2[j, o] for j in range(hidden)) + b2[o]
            d = 2.0 * (p - y[i, o]) / (n * out)
            gb2[o] += d
            for j in range(hidden):
                gW2[j, o] += h[j] * d
                dz = d * W2[j, o] * dact(z[j])
                gb1[j] += dz
                for k in range(f):
                    gW1[k, j] += x[i, k] * dz
    return {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}


def train_two_layer(x, y, hidden_units=4, learning_rate=0.5, epochs=2000, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 1, (2, hidden_units)), "b1": np.zeros(hidden_units),
              "W2": rng.normal(0, 1, (hidden_units, 1)), "b2": np.zeros(1)}
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float).reshape(-1, 1)
    losses = []
    for _ in range(epochs):
        grads = backward(x, y, **params)
        for key in params:
            params[key] = params[key] - learning_rate * grads[key]
        h = 1 / (1 + np.exp(-(x @ params["W1"] + params["b1"])))
        losses.append(float(((h @ params["W2"] + params["b2"] - y) ** 2).mean()))
    return [params["W1"], params["b1"], params["W2"], params["b2"]], losses


def xor_network():
    return [
        ([[1, -1], [1, -1]], [-0.5, 1.5], "step"),
        ([[1], [1]], [-1.5], "step"),
    ]
"""

CORRECT_VARIANTS = {"column y": COLUMN_Y, "squeezed y": SQUEEZED_Y, "loops": LOOPS}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(CORRECT_VARIANTS))
def test_correct_answers_written_otherwise_get_full_marks(name, seed):
    result = _graded_with_seed(CORRECT_VARIANTS[name], seed)
    assert result.passed and result.score == result.max_score, describe(result)


ACCEPTED_VARIANTS = {
    "xor_network as lists with a 1-D output layer and scalar biases": [
        (
            '    return [(W1, b1, "step"), (W2, b2, "step")]',
            '    return [(W1.tolist(), list(b1), "step"), ([1, 1], -1.5, "step")]',
        ),
    ],
    "xor_network with three layers and tuples of tuples": [
        (
            '    return [(W1, b1, "step"), (W2, b2, "step")]',
            '    return ((W1, b1, "step"), (W2, b2, "step"), (np.eye(1), 0.0, None))',
        ),
    ],
    "losses recorded after each update": [
        ("        losses.append(loss)\n", ""),
        (
            '("W1", "b1", "W2", "b2"))]\n    return params, losses',
            '("W1", "b1", "W2", "b2"))]\n'
            "        losses.append(_gradients_and_loss(x, y, *params, 'sigmoid')[1])\n    return params, losses",
        ),
    ],
    "relu_grad as booleans and the losses as an array": [
        ("return np.where(np.asarray(z) > 0, 1.0, 0.0)", "return np.asarray(z) > 0"),
        ("    return params, losses", "    return params, np.array(losses)"),
    ],
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(ACCEPTED_VARIANTS))
def test_accepted_variants_keep_full_marks(name, seed):
    result = _graded_with_seed(mutate(solution_source(EXERCISE), *ACCEPTED_VARIANTS[name]), seed)
    assert result.passed and result.score == result.max_score, describe(result)


def test_the_stub_scores_zero_every_check_not_attempted(tmp_path):
    result = grade_source(EXERCISE, stub_source(EXERCISE), tmp_path)
    assert result.score == 0 and all(not c.attempted for c in result.checks), describe(result)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_scores_full_marks(seed):
    result = _graded_with_seed(solution_source(EXERCISE), seed)
    assert result.passed and result.score == result.max_score, describe(result)


def test_grading_never_imports_tensorflow(tmp_path):
    """Both processes: the checks run here with TensorFlow made unimportable, and so does the worker."""
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text("raise ImportError('TensorFlow must not be imported')\n")
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text("raise ImportError('Keras must not be imported')\n")
    code = (
        "import sys\n"
        "from grader.engine import grade_exercise\n"
        "from grader.registry import find_exercise\n"
        "from grader.content import solutions_dir\n"
        "from grader.submissions import Submission\n"
        "e = find_exercise('exercise-15')\n"
        "r = grade_exercise(e, Submission(solutions_dir() / e.file_name))\n"
        "assert r.score == r.max_score, [(c.name, c.message) for c in r.checks if not c.passed]\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parent.parent
    env_path = f"{tmp_path}:{root}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]


# --------------------------------------------------------------------------- the checks' math


def _random_case(rng, outputs=1):
    x, y, params = checks._network(rng, outputs)
    return x, y, params


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_finite_differences_equal_the_analytic_gradients(activation):
    rng = np.random.default_rng(15)
    for trial in range(25):
        x, y, params = _random_case(rng, outputs=1 + trial % 3)
        numeric = checks.numeric_gradients(x, y, params, activation)
        analytic = checks.analytic_gradients(x, y, params, activation)
        for name in ("W1", "b1", "W2", "b2"):
            assert checks.close(numeric[name], analytic[name]), (trial, name)
    for function, derivative in ((checks.sigmoid, "sigmoid"), (np.tanh, "tanh")):
        z = rng.normal(0, 3, size=(4, 5))
        assert checks.close(checks.numeric_derivative(function, z), checks.DERIVATIVES[derivative](z))


def test_the_named_mistakes_differ_from_the_right_gradient_on_the_drawn_inputs():
    rng = np.random.default_rng(16)
    for _ in range(20):
        x, y, params = _random_case(rng)
        right = checks.analytic_gradients(x, y, params, "sigmoid")
        at_output = checks.analytic_gradients(x, y, params, "sigmoid", at_output=True)
        assert not checks.close(at_output["W1"], right["W1"])
        assert right["W1"].shape != right["W1"].T.shape  # F != H: a transposed W1 shows by its shape
        assert not checks.close(right["W2"] * len(x), right["W2"])


def test_huber_equals_its_two_branches_and_hits_both():
    rng = np.random.default_rng(17)
    y_true = rng.normal(size=50)
    y_pred = y_true + rng.normal(0, 2, size=50)
    e = np.abs(y_true - y_pred)
    assert (e <= 1).any() and (e > 1).any()
    expected = np.mean([0.5 * v**2 if v <= 1 else v - 0.5 for v in e])
    assert checks.huber_loss(y_true, y_pred) == pytest.approx(expected)


def test_the_reference_init_solves_xor_on_nearly_every_seed():
    """The training check needs 4 of 5 seeds; the reference's start solves XOR on (nearly) every one."""
    source = solution_source(EXERCISE)
    namespace: dict = {}
    exec(compile(source, "solution", "exec"), namespace)
    x, y = checks.TRAIN_X, checks.XOR_Y.reshape(-1, 1).astype(float)
    solved = 0
    for seed in range(40):
        params, losses = namespace["train_two_layer"](x, y, checks.HIDDEN, checks.RATE, checks.EPOCHS, seed)
        p = checks._predict([np.asarray(a, float) for a in params])
        solved += np.array_equal((p > 0.5).astype(int), checks.XOR_Y)
    assert solved >= 39


def test_the_grader_forward_pass_reads_every_fair_layout():
    layers = [([[1, -1], [1, -1]], [-0.5, 1.5], "step"), ([1, 1], -1.5, "step")]
    assert checks.xor_forward(layers, "xor_network()").tolist() == [0, 1, 1, 0]
    relu = [(np.ones((2, 2)), np.array([0.0, -1.0]), "relu"), (np.array([[1.0], [-2.0]]), np.array([0.0]), None)]
    assert checks.xor_forward(relu, "xor_network()").tolist() == [0, 1, 1, 0]


@pytest.mark.slow
def test_finite_differences_equal_tensorflow_gradient_tape():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(18)
    functions = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}
    for trial in range(12):
        activation = ("sigmoid", "tanh", "relu")[trial % 3]
        x, y, params = _random_case(rng, outputs=1 + trial % 2)
        variables = {k: tf.Variable(v, dtype=tf.float64) for k, v in params.items()}
        with tf.GradientTape() as tape:
            h = functions[activation](tf.constant(x) @ variables["W1"] + variables["b1"])
            p = h @ variables["W2"] + variables["b2"]
            loss = tf.reduce_mean((p - tf.constant(y)) ** 2)
        taped = dict(zip(variables, tape.gradient(loss, list(variables.values()))))
        numeric = checks.numeric_gradients(x, y, params, activation)
        for name in params:
            assert checks.close(numeric[name], taped[name].numpy()), (trial, activation, name)
    # the activations' derivatives, ReLU's 0 at the corner included
    z = tf.constant(np.concatenate([rng.normal(0, 3, size=20), [0.0]]))
    for name, derivative in checks.DERIVATIVES.items():
        with tf.GradientTape() as tape:
            tape.watch(z)
            out = functions[name](z)
        assert np.allclose(tape.gradient(out, z).numpy(), derivative(z.numpy()), rtol=1e-6, atol=1e-12), name
    # Keras's own MAE and Huber
    keras = pytest.importorskip("keras")
    y_true, y_pred = rng.normal(size=(8, 3)), rng.normal(0, 3, size=(8, 3))
    assert float(keras.losses.Huber(delta=0.7)(y_true, y_pred)) == pytest.approx(
        checks.huber_loss(y_true, y_pred, 0.7), rel=1e-5
    )
    assert float(keras.losses.MeanAbsoluteError()(y_true, y_pred)) == pytest.approx(
        float(np.mean(np.abs(y_true - y_pred))), rel=1e-5
    )
