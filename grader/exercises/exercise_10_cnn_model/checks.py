"""Hidden checks for exercise 10: the course's ConvNet, by layer table and by training.

The expected table comes from a reference model the grader builds with Keras
itself; the learner's model is trained here, in the grading process, on
scikit-learn's digits as (8, 8, 1) images, and scored on held-out digits it
never saw. Measured: the reference reaches 0.942-0.969 after 6 epochs on the
check seeds of base seeds 0-9 (threshold 0.90); a relu output head stays near 0.1.
"""

from __future__ import annotations

from grader import datasets
from grader.checking import check
from grader.checking.models import expect_compiled, expect_same_layers, fit_and_score, keras, layer_table, learner_model

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


def _model(learner, input_shape=None, n_classes=None):
    if input_shape is None:
        return learner_model(learner.build_cnn(), "build_cnn()"), "build_cnn()"
    call = f"build_cnn(input_shape={input_shape}, n_classes={n_classes})"
    return learner_model(learner.build_cnn(input_shape=input_shape, n_classes=n_classes), call), call


@check(points=4)
def test_course_convnet_layers(learner):
    model, call = _model(learner)
    expect_same_layers(model, layer_table(reference((28, 28, 1), 10)), call)


@check(points=2)
def test_other_input_shapes_and_classes(learner, rng):
    height, width = int(rng.integers(8, 40)), int(rng.integers(8, 40))
    input_shape, n_classes = (height, width, int(rng.choice([1, 3]))), int(rng.integers(2, 20))
    model, call = _model(learner, input_shape, n_classes)
    expect_same_layers(model, layer_table(reference(input_shape, n_classes)), call)


@check(points=2)
def test_compiled_like_the_course(learner):
    model, call = _model(learner)
    expect_compiled(
        model,
        call,
        optimizer="Adam",
        learning_rate=0.001,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
    )


@check(points=4, timeout=120)
def test_learns_digits(learner, seed):
    data = datasets.digits(0, channels=True)
    model, call = _model(learner, (8, 8, 1), 10)
    fit_and_score(model, data, seed=seed, epochs=EPOCHS, call=call, threshold=THRESHOLD)
