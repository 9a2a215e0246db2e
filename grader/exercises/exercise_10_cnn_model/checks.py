"""Hidden checks for exercise 10: the course's ConvNet, by layer table and by training.

The expected table comes from a reference model the grader builds with Keras
itself; the learner's model is trained here, in the grading process, on
scikit-learn's digits as (8, 8, 1) images, and scored on held-out digits it
never saw. Measured: the reference reaches 0.942-0.969 after 6 epochs on the
check seeds of base seeds 0-9 (threshold 0.90); a relu output head stays near 0.1.

The contract asks for a ``keras.Model``, so a subclassed ConvNet (Deep Learning with Python's and
Hands-On ML's subclassing API) is judged too, by what the worker reports where its class exists
(:func:`grader.checking.models.subclassed_report`): its layer table on random images of the asked
input shape (the contract's Sequential given its weights must compute its outputs, so a ``call()`` that
skips a layer fails) and its compile settings as plain data, judged by the same functions as a loaded
model's. Its learning: trained in the worker with its own compile settings on the training digits only,
its weights put into the contract's ConvNet built here and scored on held-out digits that never reach
the worker. No check needs the class rebuilt here.
"""

from __future__ import annotations

import numpy as np

from grader import datasets
from grader.checking import check
from grader.checking.models import (
    SubclassedModel,
    expect_compiled,
    expect_same_layers,
    expect_subclass_layers,
    fit_and_score,
    is_subclassed,
    keras,
    layer_table,
    learner_model,
    subclassed_fit_and_score,
    subclassed_report,
)

EPOCHS = 6
THRESHOLD = 0.90


def reference(input_shape: tuple, n_classes: int):
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )


def _model(learner, rng, input_shape=None, n_classes=None):
    """The model ``build_cnn`` returns (the defaults, or ``input_shape`` and ``n_classes``) and the call:
    loaded here, or, for a subclass, the worker's report on it (built on random images of its input shape).

    The layer and compile checks judge the same ``build_cnn()``, and neither changes it: it is built,
    saved and loaded once for both."""
    if input_shape is None:
        return learner.once("build_cnn()", lambda: _built(learner, rng, None, None))
    return _built(learner, rng, input_shape, n_classes)


def _built(learner, rng, input_shape, n_classes):
    kwargs = {} if input_shape is None else {"input_shape": input_shape, "n_classes": n_classes}
    call = "build_cnn()" if input_shape is None else f"build_cnn(input_shape={input_shape}, n_classes={n_classes})"
    value = learner.build_cnn(**kwargs)
    if not is_subclassed(value):
        return learner_model(value, call), call
    shape = input_shape or (28, 28, 1)
    x_probe = rng.uniform(0.0, 1.0, size=(8, *shape)).astype(np.float32)
    return subclassed_report(learner, "build_cnn", [], kwargs, call, x_probe), call


def _expect_layers(model, expected, call: str) -> None:
    if isinstance(model, SubclassedModel):
        expect_subclass_layers(model, expected, call)
    else:
        expect_same_layers(model, layer_table(expected), call)


@check(points=4)
def test_course_convnet_layers(learner, rng):
    model, call = _model(learner, rng)
    _expect_layers(model, reference((28, 28, 1), 10), call)


@check(points=2)
def test_other_input_shapes_and_classes(learner, rng):
    height, width = int(rng.integers(8, 40)), int(rng.integers(8, 40))
    input_shape, n_classes = (height, width, int(rng.choice([1, 3]))), int(rng.integers(2, 20))
    model, call = _model(learner, rng, input_shape, n_classes)
    _expect_layers(model, reference(input_shape, n_classes), call)


@check(points=2)
def test_compiled_like_the_course(learner, rng):
    model, call = _model(learner, rng)
    expect_compiled(
        model,
        call,
        optimizer="Adam",
        learning_rate=0.001,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
    )


@check(points=4, timeout=120, trains=True)
def test_learns_digits(learner, rng, seed):
    data = datasets.digits(0, channels=True)
    model, call = _model(learner, rng, (8, 8, 1), 10)
    if isinstance(model, SubclassedModel):  # trained where its class exists; its weights scored here on held-out rows
        kwargs = {"input_shape": (8, 8, 1), "n_classes": 10}
        subclassed_fit_and_score(
            learner,
            "build_cnn",
            [],
            kwargs,
            data,
            reference((8, 8, 1), 10),
            call=call,
            seed=seed,
            epochs=EPOCHS,
            threshold=THRESHOLD,
            report=model,
        )
        return
    fit_and_score(model, data, seed=seed, epochs=EPOCHS, call=call, threshold=THRESHOLD)
