"""The trainer's speed-ups change no number: a model trained by ``models.train`` comes out bit-identical to
the same model trained the way Keras does it alone (issue 31: "scores unchanged").

``_build_before_tracing`` creates the optimizer's slots and the metrics' totals before ``fit`` traces its
step, so the step is traced once instead of twice. Each case trains one model twice from the same seed,
with it and with it turned off, and compares every weight and the history bit for bit; and it proves the
speed-up is there: with it, ``fit`` creates no variable inside a traced function.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader import datasets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _keras():
    """Keras imported when these tests run, not when the suite is collected (every xdist worker collects)."""
    global keras, tf, models
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    from grader.checking import models


def _digits_cnn():
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, datasets.digits(0, channels=True)


def _regularized_mlp():  # exercise 12's kind: seeded Dropout, BatchNormalization's moving statistics, L2
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8)),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-4)),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="sparse_categorical_crossentropy", metrics=["acc"])
    return model, datasets.digits(0)


def _binary_without_metrics():  # exercise 08's kind, compiled with no metrics at all
    model = keras.Sequential(
        [
            keras.Input(shape=(30,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="binary_crossentropy")
    return model, datasets.breast_cancer(0)


def _unbuilt_regression():  # no Input: Keras builds the weights in the first step, and nothing is built before
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model, datasets.diabetes(0)


CASES = {
    "digits ConvNet": _digits_cnn,
    "Dropout, BatchNormalization, L2": _regularized_mlp,
    "sigmoid, no metrics": _binary_without_metrics,
    "unbuilt Sequential": _unbuilt_regression,
}


def _train(make, seed: int = 7) -> tuple[list[np.ndarray], dict, list[str]]:
    """Build (seeded) and train one model as the trainer does; the variables created inside a traced function."""
    models.deterministic(seed)
    model, data = make()
    created_in_graph: list[str] = []

    def creator(next_creator, **kwargs):
        if tf.inside_function():
            created_in_graph.append(str(kwargs.get("name")))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        history = models.train(model, data.x_train[:400], data.y_train[:400], seed=seed, epochs=2, batch_size=32)
    return [np.asarray(w) for w in model.get_weights()], history, created_in_graph


@pytest.mark.parametrize("case", CASES)
def test_built_before_tracing_trains_bit_identical_weights(case, monkeypatch):
    fast_weights, fast_history, created = _train(CASES[case])
    with monkeypatch.context() as patched:
        patched.setattr(models, "_build_before_tracing", lambda model, y: None)  # Keras's own path
        plain_weights, plain_history, _ = _train(CASES[case])
    assert len(fast_weights) == len(plain_weights)
    for fast, plain in zip(fast_weights, plain_weights):
        assert fast.tobytes() == plain.tobytes()
    assert fast_history == plain_history
    if case != "unbuilt Sequential":  # built beforehand: the step is traced once, creating nothing
        assert created == [], f"fit created {created} inside its traced step: it is traced twice"
