"""Hidden checks for exercise 02: regression stacks, compile settings, training.

Expected layer tables come from reference models the grader builds with Keras
itself. The MLP is trained here, in the grading process, on scikit-learn's
diabetes data (features and targets standardised with training statistics:
the contract's Adam 0.001 for 20 epochs underfits raw targets) and must beat
the predict-the-mean baseline on held-out patients. The learner's ``train``
runs in the worker on training data only; the model it trained comes back
(echoed arguments) and is scored here on held-out patients it never saw.

Measured (held-out R² on the check seeds of base seeds 0-7): the contract MLP
0.37-0.41 (a relu output head 0.13-0.16, a linear stack 0.41: diabetes is
nearly linear, so only the layer table catches missing hidden activations);
``train`` on a 16-unit MLP at learning rate 0.01 for 4-8 epochs 0.29-0.37,
with x shuffled apart from y at most 0.01.

The contract asks for a ``keras.Model``, so a subclassed model (Deep Learning with Python's and
Hands-On ML's subclassing API) is a model too, though safe mode cannot rebuild its class here. The
worker, where its class exists, reports its layers, weights and outputs for the grader's random
inputs: the layer table is compared like any other (without per-layer output shapes), and the
contract's Sequential given the learner's weights must compute the same outputs, so a ``call()``
that skips or reorders its layers fails. Its learning: it is trained in the worker (where its class
exists) with the grader's settings on the training rows; its trained weights come back, go into the
contract's MLP built here (which must compute what its call() computed on rows no dataset holds),
and that model is scored here on the held-out patients, who never reach the worker.
"""

from __future__ import annotations

import math

import numpy as np

from grader import datasets
from grader.checking import as_number, check, expect, fail, type_name
from grader.checking.models import (
    dataset_name,
    deterministic,
    expect_compiled,
    expect_same_layers,
    expect_subclass_layers,
    fit_and_score,
    held_out_score,
    is_subclassed,
    keras,
    layer_table,
    learner_model,
    predict,
    subclassed_held_out_score,
    subclassed_report,
)

EPOCHS = 20
LOSS_VALUE = "a number (one epoch's loss)"
MIN_R2 = 0.25  # the reference reaches 0.37-0.41 on this split; a relu output head 0.13-0.16
SPLIT = 3
MIN_TRAINED_R2 = 0.15  # the model train() fitted: 0.29-0.37; fitted on x shuffled apart from y: <= 0.01


def reference(n_features: int, hidden_units: tuple = ()):
    layers = [keras.Input(shape=(n_features,))]
    layers += [keras.layers.Dense(u, activation="relu") for u in hidden_units]
    layers.append(keras.layers.Dense(1))
    return keras.Sequential(layers)


def _expect_layers(learner, rng, function: str, args: list, kwargs: dict, call: str, expected) -> None:
    """The learner's model has ``expected``'s layers: loaded here, or, for a subclassed model, as the
    worker reports them and computes with them."""
    value = learner.call(function, *args, **kwargs)
    if is_subclassed(value):
        x_probe = rng.normal(size=(16, args[0])).astype(np.float32)
        expect_subclass_layers(subclassed_report(learner, function, args, kwargs, call, x_probe), expected, call)
        return
    expect_same_layers(learner_model(value, call), layer_table(expected), call)


@check(points=2)
def test_linear_regression_layers(learner, rng):
    for n_features in (int(rng.integers(1, 30)), 10):
        call = f"build_linear_regression({n_features})"
        _expect_layers(learner, rng, "build_linear_regression", [n_features], {}, call, reference(n_features))


@check(points=3)
def test_mlp_layers(learner, rng):
    for _ in range(2):
        n_features = int(rng.integers(1, 30))
        hidden = tuple(int(u) for u in rng.integers(2, 80, size=int(rng.integers(1, 4))))
        call = f"build_mlp_regression({n_features}, hidden_units={hidden})"
        kwargs = {"hidden_units": hidden}
        _expect_layers(learner, rng, "build_mlp_regression", [n_features], kwargs, call, reference(n_features, hidden))


@check(points=1)
def test_mlp_default_hidden_units(learner, rng):
    call = "build_mlp_regression(10)"
    _expect_layers(learner, rng, "build_mlp_regression", [10], {}, call, reference(10, (64, 32)))


@check(points=2)
def test_compile_regression(learner, rng):
    learning_rate = float(rng.choice([0.0005, 0.003, 0.02]))
    call = f"compile_regression(model, learning_rate={learning_rate})"
    given = reference(5, (4,))
    returned = learner.compile_regression(given, learning_rate=learning_rate)
    if returned is None:
        fail("compile_returned_none", call=call)
    model = learner_model(returned, call)
    expect_compiled(model, call, optimizer="Adam", learning_rate=learning_rate, loss="mse")
    ours, theirs = given.get_weights(), model.get_weights()  # the model it was given keeps its weights
    same_model = len(ours) == len(theirs) and all(
        a.shape == b.shape and np.allclose(a, b) for a, b in zip(ours, theirs)
    )
    expect(same_model, "compile_returned_other", call=call)


def _train_call(learner, rng, seed):
    data = datasets.diabetes(0)
    deterministic(seed)  # the same initial weights whatever ran in this process before
    model = reference(data.x_train.shape[1], (16,))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    epochs = int(rng.integers(4, 9))
    call = f"train(model, x {data.x_train.shape}, y, epochs={epochs})"
    history, args = learner.call("train", model, data.x_train, data.y_train, epochs=epochs, _echo_args=True)
    return data, epochs, call, history, args


@check(points=2, timeout=120)
def test_train_returns_history(learner, rng, seed):
    data, epochs, call, history, args = _train_call(learner, rng, seed)
    if not isinstance(history, dict):
        fail("history_not_dict", call=call, found_type=type_name(history))
    for key in ("loss", "val_loss"):
        values = history.get(key)
        if not isinstance(values, (list, tuple)) or len(values) != epochs:
            fail(
                "history_key",
                call=call,
                key=key,
                epochs=epochs,
                found=None
                if values is None
                else len(values)
                if isinstance(values, (list, tuple))
                else type_name(values),
            )
    numbers = {  # every value a number: strings, None or nested lists fail here, naming the value
        key: [as_number(v, f"{call}: history[{key!r}][{i}]", LOSS_VALUE) for i, v in enumerate(history[key])]
        for key in ("loss", "val_loss")
    }
    losses = numbers["loss"]
    expect(losses[-1] < losses[0], "loss_not_falling", call=call, first=round(losses[0], 4), last=round(losses[-1], 4))
    _expect_course_validation_split(data, call, numbers["val_loss"][-1], args)


VALIDATION_SPLIT = 0.2  # the course's fit(..., validation_split=0.2)
OTHER_SPLITS = (0.1, 0.15, 0.25, 0.3, 1 / 3, 0.5)


def _validation_mse(model, x, y, split: float) -> float:
    """The MSE on the rows fit(validation_split=split) holds out: the last ones, from floor(n * (1 - split))."""
    start = int(math.floor(len(x) * (1.0 - split)))
    found = predict(model, x[start:]).reshape(-1)
    return float(np.mean((found - np.asarray(y[start:]).reshape(-1)) ** 2))


def _expect_course_validation_split(data, call: str, last_val_loss: float, args) -> None:
    """The last epoch's val_loss is the trained model's MSE on the last 20% of the rows train() was given."""
    model = learner_model(args[0] if args else None, call + " (the model after training)")
    x, y = data.x_train, data.y_train

    def matches(split: float) -> bool:
        return math.isclose(last_val_loss, _validation_mse(model, x, y, split), rel_tol=2e-3, abs_tol=1e-5)

    if matches(VALIDATION_SPLIT):
        return
    for split in OTHER_SPLITS:
        if matches(split):
            fail("validation_split_other", call=call, found=round(split, 2), expected=VALIDATION_SPLIT)
    fail("validation_split_rows", call=call, found=round(last_val_loss, 4), expected=VALIDATION_SPLIT)


@check(points=2, timeout=120)
def test_train_fits_the_given_model(learner, rng, seed):
    data, _, call, _, args = _train_call(learner, rng, seed)
    model = learner_model(args[0] if args else None, call + " (the model after training)")
    r2 = held_out_score(model, data, call=call, metric="r2")
    if not np.isfinite(r2) or r2 < MIN_TRAINED_R2:
        fail(
            "model_not_trained", call=call, found=round(r2, 3) if np.isfinite(r2) else str(r2), expected=MIN_TRAINED_R2
        )


def probe_rows(data, seed: int, count: int = 64) -> np.ndarray:
    """Patients no dataset holds (a blend of two training rows plus noise): what a subclassed model's
    outputs are compared on; the held-out rows never reach the worker."""
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(data.x_train), size=(2, count))
    blend = rng.uniform(0.0, 1.0, size=(count, 1))
    rows = blend * data.x_train[first] + (1 - blend) * data.x_train[second]
    return (rows + rng.normal(0.0, 0.1, size=rows.shape)).astype(np.float32)


@check(points=3, timeout=120, trains=True)
def test_mlp_beats_the_mean_on_diabetes(learner, seed):
    data = datasets.diabetes(SPLIT)
    call = f"build_mlp_regression({data.x_train.shape[1]})"
    value = learner.build_mlp_regression(data.x_train.shape[1])
    if is_subclassed(value):  # trained where its class exists; its weights scored here on held-out rows
        r2 = subclassed_held_out_score(
            learner,
            "build_mlp_regression",
            [data.x_train.shape[1]],
            {},
            data,
            reference(data.x_train.shape[1], (64, 32)),
            probe_rows(data, seed),
            call=call,
            seed=seed,
            epochs=EPOCHS,
            learning_rate=0.001,
            loss="mse",
            metric="r2",
            class_name=value.type_name,
        )
        if not np.isfinite(r2) or r2 < MIN_R2:
            found = round(r2, 3) if np.isfinite(r2) else str(r2)
            fail("model.too_weak_r2", data=dataset_name(data), epochs=EPOCHS, seed=seed, found=found, expected=MIN_R2)
        return
    model = learner_model(value, call)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse"
    )  # the grader's settings, not the learner's
    fit_and_score(model, data, seed=seed, epochs=EPOCHS, call=call, threshold=MIN_R2, metric="r2")
