"""Hidden checks for exercise 03: output layers, losses, one-hot labels, predicted classes.

The table of right answers is the course's; one_hot's expected values follow
keras.utils.to_categorical (the project's tests prove it), computed here with numpy.
"""

from __future__ import annotations

import numpy as np

from grader.checking import (
    LearnerRaised,
    as_array,
    as_int,
    check,
    expect,
    fail,
    message_ref,
    preview,
    same,
    wrong_type,
)

OUTPUT = {
    "regression": (1, None),
    "binary": (1, "sigmoid"),
    "multiclass": (None, "softmax"),
    "multilabel": (None, "sigmoid"),
}
LOSS = {
    ("regression", "integer"): "mse",
    ("binary", "integer"): "binary_crossentropy",
    ("multiclass", "integer"): "sparse_categorical_crossentropy",
    ("multiclass", "onehot"): "categorical_crossentropy",
    ("multilabel", "integer"): "binary_crossentropy",
}
# The reason each task needs its activation lives in the catalogue (messages/<lang>.json).
WRONG_ACTIVATION = {
    "regression": "wrong_activation_regression",
    "binary": "wrong_activation_binary",
    "multiclass": "wrong_activation_multiclass",
    "multilabel": "wrong_activation_multilabel",
}
LOSS_ALIASES = {"mean_squared_error": "mse", "MeanSquaredError": "mse"}


def expected_output(task: str, n_classes: int) -> tuple[int, str | None]:
    units, activation = OUTPUT[task]
    return (units or n_classes, activation)


def _output(learner, task: str, n_classes: int) -> None:
    call = f"output_layer_for({task!r}, n_classes={n_classes})"
    value = learner.output_layer_for(task, n_classes=n_classes)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        wrong_type(value, call, "type_head")
    units, activation = as_int(value[0], call), value[1]
    expected_units, expected_activation = expected_output(task, n_classes)
    if task == "regression" and same(activation, "linear"):
        activation = None  # Keras treats "linear" and None alike
    if not same(activation, expected_activation):
        fail(WRONG_ACTIVATION[task], call=call, found=activation, expected=expected_activation)
    expect(units == expected_units, "wrong_units", call=call, task=task, found=units, expected=expected_units)


@check(points=2)
def test_output_layer_regression_and_binary(learner, rng):
    for task in ("regression", "binary"):
        _output(learner, task, int(rng.integers(2, 20)))


@check(points=2)
def test_output_layer_multiclass(learner, rng):
    for n_classes in rng.integers(3, 50, size=3):
        _output(learner, "multiclass", int(n_classes))


@check(points=2)
def test_output_layer_multilabel(learner, rng):
    for n_classes in rng.integers(2, 30, size=3):
        _output(learner, "multilabel", int(n_classes))


def _loss(learner, task: str, label_format: str) -> None:
    call = f"loss_for({task!r}, label_format={label_format!r})"
    found = learner.loss_for(task, label_format=label_format)
    expected = LOSS.get((task, label_format)) or LOSS[(task, "integer")]
    if isinstance(found, str) and LOSS_ALIASES.get(found) == expected:
        return
    if same(found, expected):  # the loss's name as a string: np.array(["mse"]) is not "mse"
        return
    if isinstance(found, str) and {found, expected} == {"sparse_categorical_crossentropy", "categorical_crossentropy"}:
        fail("sparse_swapped", call=call, found=found, expected=expected)
    fail("wrong_loss", call=call, found=found, expected=expected)


@check(points=1)
def test_loss_regression_and_binary(learner):
    for task in ("regression", "binary"):
        for label_format in ("integer", "onehot"):
            _loss(learner, task, label_format)


@check(points=2)
def test_loss_multiclass_by_label_format(learner):
    for label_format in ("integer", "onehot"):
        _loss(learner, "multiclass", label_format)


@check(points=1)
def test_loss_multilabel(learner):
    _loss(learner, "multilabel", "integer")


@check(points=2)
def test_unknown_task_raises_value_error(learner, rng):
    task = str(rng.choice(["clustering", "Regression", "multi-class", "segmentation"]))
    for name, args in (("output_layer_for", (task, 3)), ("loss_for", (task,))):
        call = f"{name}({', '.join(map(repr, args))})"
        try:
            found = learner.call(name, *args)
        except LearnerRaised as raised:
            if raised.params.get("error_type") != "ValueError":
                fail("unknown_task_wrong_error", call=call, error_type=raised.params.get("error_type"))
            expect(
                len(str(raised.params.get("error", ""))) >= 10,
                "unknown_task_terse",
                call=call,
                error=raised.params.get("error"),
            )
            continue
        fail(
            "engine.expected_error",
            call=call,
            found=preview(found),
            error_type="ValueError",
            reason=message_ref("unknown_task_reason", task=task),
        )


@check(points=2)
def test_one_hot_values(learner, rng):
    for _ in range(5):
        n_classes = int(rng.integers(2, 12))
        labels = rng.integers(0, n_classes, size=int(rng.integers(1, 40)))
        call = f"one_hot(<{len(labels)} labels>, {n_classes})"
        found = as_array(learner.one_hot(labels, n_classes), call)
        expected = np.eye(n_classes)[labels]
        expect(found.shape == expected.shape, "one_hot_shape", call=call, found=found.shape, expected=expected.shape)
        expect(
            np.array_equal(found, expected),
            "one_hot_values",
            call=call,
            labels=labels[:5],
            found=found[:2],
            expected=expected[:2],
        )


@check(points=1)
def test_one_hot_float32(learner, rng):
    labels = rng.integers(0, 4, size=10)
    call = "one_hot(<10 labels>, 4)"
    found = as_array(learner.one_hot(labels, 4), call)
    expect(found.dtype == np.float32, "one_hot_dtype", call=call, found=str(found.dtype))


@check(points=2)
def test_predict_classes_sigmoid(learner, rng):
    for shape in ((int(rng.integers(5, 40)), 1), (int(rng.integers(5, 40)),)):
        probabilities = rng.random(shape).astype(np.float32)
        probabilities[0] = 0.5
        call = f"predict_classes(<sigmoid outputs of shape {shape}>)"
        found = np.asarray(as_array(learner.predict_classes(probabilities), call)).reshape(-1)
        expected = np.where(probabilities.reshape(-1) >= 0.5, 1, 0)
        expect(found.shape == expected.shape, "classes_shape", call=call, found=found.shape, expected=expected.shape)
        if found[0] == 0 and np.array_equal(found[1:], expected[1:]):
            fail("threshold_boundary", call=call)
        expect(np.array_equal(found, expected), "sigmoid_classes", call=call, found=found[:8], expected=expected[:8])


@check(points=2)
def test_predict_classes_softmax(learner, rng):
    for _ in range(3):
        n, k = int(rng.integers(5, 40)), int(rng.integers(2, 12))
        scores = rng.random((n, k))
        probabilities = (scores / scores.sum(axis=1, keepdims=True)).astype(np.float32)
        call = f"predict_classes(<softmax outputs of shape {(n, k)}>)"
        found = as_array(learner.predict_classes(probabilities), call)
        expected = probabilities.argmax(axis=1)
        if found.shape != expected.shape and found.size == probabilities.size:
            fail("softmax_thresholded", call=call, k=k)
        expect(found.shape == expected.shape, "classes_shape", call=call, found=found.shape, expected=expected.shape)
        if np.array_equal(found, probabilities.argmax(axis=0)[: len(found)]):
            fail("argmax_axis", call=call)
        expect(np.array_equal(found, expected), "softmax_classes", call=call, found=found[:8], expected=expected[:8])
