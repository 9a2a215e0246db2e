"""Hidden checks for exercise 16: early stopping judged by what happened, a checkpoint's settings, a
model saved and loaded back, a layer's weights and outputs, and a learning-curve figure.

fit_with_early_stopping trains, in the worker, a model the grader builds to overfit within a few
epochs (32 noisy rows, two hidden layers of 64 units, Adam 0.03, run eagerly: one batch an epoch
costs less than tracing), once per submission: two checks judge that one run, each for its own
points. Its history is judged against an independent run of EarlyStopping's rule over the val_loss
it reports (stop once ``patience`` epochs bring no new lowest value), and the model the function
trained is read back and scored here, in safe mode: with restore_best_weights its validation loss
is the lowest one in the history. Measured (seeds 0-5, patience 2-3): the reference stops after 4-8
epochs of 40, the lowest val_loss at epoch 1-5; the last epoch's val_loss is 3.5-63 % above the
lowest, far outside the 0.01 % the recomputation needs.

The weights and hidden features are recomputed here from the model the worker was given (saved by
the grader and loaded back in safe mode; one per submission for those checks), with numpy
(``relu(x @ W + b)``, layer by layer). The figure crosses from the worker as the data it plots
(:mod:`grader.sandbox.figures`), never as pixels.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from grader.checking import (
    FigureData,
    KerasObjectSpec,
    LearnerRaised,
    TrainingHistory,
    as_array,
    check,
    expect,
    fail,
    load_model,
    type_name,
)
from grader.checking.models import deterministic, keras, learner_model, predict, record_history_for_plot
from grader.datasets import Split
from grader.sandbox.protocol import ModelFile

MAX_EPOCHS = 40
RESTORE_RTOL = 1e-4  # float32 batches against float64 here: ~1e-6 apart


# ----------------------------------------------------------------------------- early stopping


def overfitting_setup(rng, seed: int):
    """A small noisy regression a wide network overfits in a few epochs, and that network (compiled)."""
    n_features = int(rng.integers(6, 10))
    weights = rng.normal(size=(n_features, 1))

    def rows(count):
        x = rng.normal(size=(count, n_features)).astype("float32")
        return x, (x @ weights + rng.normal(0.0, 1.5, size=(count, 1))).astype("float32")

    x_train, y_train = rows(32)  # one batch an epoch, training and validation
    x_valid, y_valid = rows(32)
    deterministic(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    # run_eagerly: one small batch an epoch costs less than tracing train and test functions (the math is the same)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.03), loss="mse", run_eagerly=True)
    return model, x_train, y_train, x_valid, y_valid


def early_stopping_length(values, patience: int, max_epochs: int) -> int | None:
    """After how many epochs EarlyStopping(patience=patience) ends training, given the monitored value of
    each epoch: an epoch improves when its value is below the lowest so far; ``patience`` epochs in a row
    without an improvement end training (Keras's rule with min_delta=0, written out here, not asked of
    Keras). ``max_epochs`` when it never triggers in that many; ``None`` when ``values`` end before either."""
    best, wait = float("inf"), 0
    for epoch, value in enumerate(values[:max_epochs]):
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1
    return max_epochs if len(values) >= max_epochs else None


def _series(history: dict, key: str, call: str) -> np.ndarray | None:
    if key not in history:
        return None
    values = history[key]
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        fail("history_values", call=call, key=key, found_type=type_name(values))
    if array.size == 0 or not np.all(np.isfinite(array)):
        fail("history_values", call=call, key=key, found_type=type_name(values))
    return array


def _training_run(learner, rng, seed) -> dict:
    """Call fit_with_early_stopping on a fresh overfitting setup; what it returned, the model as it left
    it (read back from the worker), and what the checks need to judge them."""
    model, x_train, y_train, x_valid, y_valid = overfitting_setup(rng, seed)
    patience = int(rng.integers(2, 4))
    call = (
        f"fit_with_early_stopping(model, x_train {x_train.shape}, y_train, x_valid {x_valid.shape}, y_valid, "
        f"patience={patience}, max_epochs={MAX_EPOCHS})"
    )
    returned, args = learner.call(
        "fit_with_early_stopping",
        model,
        x_train,
        y_train,
        x_valid,
        y_valid,
        patience=patience,
        max_epochs=MAX_EPOCHS,
        _echo_args=True,
    )
    return {
        "call": call,
        "patience": patience,
        "returned": returned,
        "trained": args[0],
        "data": Split(x_train, y_train, x_valid, y_valid, "noisy_regression"),
        "seed": seed,
        "untrained": model,  # its validation loss is computed only when the trained model's is not the lowest
    }


def _fit(learner, rng, seed):
    """The training run both early-stopping checks judge (one fit per submission, :meth:`Learner.once`:
    the first check's seed draws it): (call, patience, loss, val_loss, the trained model, the validation
    data, the model before training)."""
    run = learner.once("fit_with_early_stopping", lambda: _training_run(learner, rng, seed))
    call, returned = run["call"], run["returned"]
    if isinstance(returned, KerasObjectSpec) and returned.class_name == "History":
        fail("history_object", call=call)
    if not isinstance(returned, dict):
        fail("history_not_dict", call=call, found_type=type_name(returned), found=returned)
    loss, val_loss = _series(returned, "loss", call), _series(returned, "val_loss", call)
    if val_loss is None:
        fail("no_val_loss", call=call, found=sorted(str(k) for k in returned)[:8])
    if loss is None or loss.size != val_loss.size:
        fail("history_values", call=call, key="loss", found_type=type_name(returned.get("loss")))
    # --plot: this history is the learning curve; the reference solution's run of this check beside it
    record_history_for_plot(loss, val_loss, run["data"], seed=run["seed"], epochs=MAX_EPOCHS)
    data = run["data"]
    return call, run["patience"], loss, val_loss, run["trained"], (data.x_test, data.y_test), run["untrained"]


@check(points=3, timeout=120)
def test_training_stops_early(learner, rng, seed):
    call, patience, loss, val_loss, _, _, _ = _fit(learner, rng, seed)
    epochs, best = len(val_loss), int(np.argmin(val_loss))
    expected = early_stopping_length(val_loss, patience, MAX_EPOCHS)
    if epochs == expected and epochs < MAX_EPOCHS:
        return
    past = epochs - 1 - best
    params = {"call": call, "epochs": epochs, "best": best, "past": past, "patience": patience}
    if expected is None:  # stopped before the rule says: fewer than `patience` epochs after the lowest val_loss
        if past == patience - 1:
            fail("patience_off", **params)
        fail("stopped_too_early", **params)
    if epochs == early_stopping_length(loss, patience, MAX_EPOCHS) and past > patience:
        fail("monitor_training", max_epochs=MAX_EPOCHS, **params)
    if epochs >= MAX_EPOCHS:
        fail("never_stopped", max_epochs=MAX_EPOCHS, **params)
    if abs(past - patience) == 1:
        fail("patience_off", **params)
    fail("stopped_wrong", expected=expected, **params)


@check(points=2, timeout=120)
def test_best_weights_restored(learner, rng, seed):
    call, _, _, val_loss, trained, (x_valid, y_valid), untrained_model = _fit(learner, rng, seed)
    model = learner_model(trained, call)
    try:
        outputs = predict(model, x_valid).astype(np.float64).reshape(y_valid.shape)
    except Exception as exc:  # the function changed the model's input or output shape
        fail("model.unloadable", call=call, error=f"{type(exc).__name__}: {str(exc)[:200]}")
    found = float(np.mean((outputs - y_valid) ** 2))
    lowest, last, best = float(val_loss.min()), float(val_loss[-1]), int(np.argmin(val_loss))

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= RESTORE_RTOL * max(abs(b), 1e-8)

    if close(found, lowest):
        return
    shown = {"call": call, "found": round(found, 4), "lowest": round(lowest, 4), "best": best, "last": round(last, 4)}
    untrained = float(np.mean((predict(untrained_model, x_valid).astype(np.float64) - y_valid) ** 2))
    if close(found, untrained):
        fail("not_trained", **shown)
    if close(found, last):
        fail("restore_missing", epochs=len(val_loss), **shown)
    fail("weights_not_best", **shown)


# ----------------------------------------------------------------------------- checkpoints


@check(points=2)
def test_checkpoint_config(learner, rng):
    path = f"checkpoints/best-{int(rng.integers(1000, 10**6))}.keras"
    call = f"checkpoint_callback({path!r})"
    value = learner.checkpoint_callback(path)
    if not isinstance(value, KerasObjectSpec) or value.class_name != "ModelCheckpoint":
        fail("not_checkpoint", call=call, found_type=getattr(value, "class_name", type_name(value)))
    config = value.config
    monitor = config.get("monitor")
    expect(monitor != "loss", "checkpoint_monitor_training", call=call, found=monitor)
    expect(monitor == "val_loss", "checkpoint_monitor_wrong", call=call, found=monitor)
    expect(config.get("save_best_only") is True, "save_best_only_missing", call=call)
    filepath = config.get("filepath")
    expect(filepath == path, "checkpoint_path", call=call, found=filepath, expected=path)
    expect(config.get("save_weights_only") is not True, "checkpoint_weights_only", call=call)


# ----------------------------------------------------------------------------- models the grader builds


def grader_model(rng, seed: int, *, dropout: bool = True):
    """A Sequential model with random weights, saved and loaded back here in safe mode (the expected
    values come from exactly the model the worker is given). Its layers: Dense(relu), [Dropout],
    Dense(relu), Dense (linear)."""
    n_features = int(rng.integers(3, 12))
    units = [int(u) for u in rng.integers(3, 16, size=3)]
    deterministic(seed)
    layers = [keras.Input(shape=(n_features,)), keras.layers.Dense(units[0], activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(0.3))
    layers += [keras.layers.Dense(units[1], activation="relu"), keras.layers.Dense(units[2])]
    model = keras.Sequential(layers)
    for layer in model.layers:  # biases away from 0, so (kernel, bias) mix-ups show
        if layer.get_weights():
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel, rng.normal(0.0, 0.5, size=bias.shape).astype("float32")])
    with tempfile.TemporaryDirectory(prefix="kerasdrill-16-") as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return load_model(ModelFile(path)), n_features


def shared_model(learner, rng, seed):
    """The model the saving, weights and features checks ask about: built once per submission (the first
    of them draws it), as each of them would build the same kind (:meth:`Learner.once`)."""
    return learner.once("grader_model", lambda: grader_model(rng, seed))


def relu_indices(model) -> list[int]:
    return [i for i, layer in enumerate(model.layers) if layer.get_config().get("activation") == "relu"]


# ----------------------------------------------------------------------------- save and reload


@check(points=2)
def test_save_and_reload(learner, rng, seed):
    model, n_features = shared_model(learner, rng, seed)
    folder = learner.probe("new_folder", f"saved-{int(rng.integers(1000, 10**6))}")
    call = f"save_and_reload(model, {folder!r})"
    try:
        returned = learner.call("save_and_reload", model, folder)
    except LearnerRaised as raised:
        error = str(raised.params.get("error", ""))
        if "filepath extension" in error or "end in `.keras`" in error:  # Keras 3 refuses a path without .keras
            fail("path_not_keras", call=call, error=error[:300], expected=f"{folder}/model.keras")
        raise
    reloaded = learner_model(returned, call)
    saved = learner.probe("saved_file", folder, "model.keras")
    if not isinstance(saved, dict) or saved.get("zip") is not True:
        files = saved.get("files") if isinstance(saved, dict) and isinstance(saved.get("files"), list) else []
        names = [str(name)[:80] for name in files[:5]]
        if any(name.endswith(".h5") for name in names):
            fail("saved_h5", call=call, expected=f"{folder}/model.keras", found=names)
        fail("not_saved_there", call=call, expected=f"{folder}/model.keras", found=names)
    x = rng.normal(size=(int(rng.integers(5, 30)), n_features)).astype("float32")
    expected = predict(model, x)
    try:
        found = predict(reloaded, x)
    except Exception as exc:
        fail("reload_differs", call=call, differ=len(x), total=len(x), error=f"{type(exc).__name__}")
    if found.shape != expected.shape:
        fail("reload_differs", call=call, differ=len(x), total=len(x), error=f"shape {found.shape}")
    differ = int(np.sum(~np.all(np.isclose(found, expected, rtol=1e-5, atol=1e-5), axis=1)))
    expect(differ == 0, "reload_differs", call=call, differ=differ, total=len(x), error="")


# ----------------------------------------------------------------------------- weights and features


def _weights_of(model, index):
    weights = model.layers[index].get_weights()
    return (weights[0], weights[1]) if len(weights) == 2 else None


@check(points=2)
def test_layer_weights(learner, rng, seed):
    model, _ = shared_model(learner, rng, seed)
    indices = [i for i, layer in enumerate(model.layers) if layer.get_weights()]
    # one call (each sends the model): a layer with a neighbour on both sides, so an index off by one reads
    # another Dense's weights
    for index in sorted(indices, key=lambda i: i in (0, len(model.layers) - 1))[:1]:
        call = f"layer_weights(model, {index})"
        value = learner.layer_weights(model, index)
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            fail("weights_not_pair", call=call, found_type=type_name(value))
        kernel, bias = (as_array(part, call, lists=True) for part in value)
        expected_kernel, expected_bias = _weights_of(model, index)
        if (
            kernel.shape == expected_kernel.shape
            and bias.shape == expected_bias.shape
            and np.allclose(kernel, expected_kernel, atol=1e-6)
            and np.allclose(bias, expected_bias, atol=1e-6)
        ):
            continue
        if kernel.shape == expected_bias.shape and bias.shape == expected_kernel.shape:
            fail("weights_swapped", call=call)
        if kernel.shape == expected_kernel.T.shape and np.allclose(kernel, expected_kernel.T, atol=1e-6):
            fail("kernel_transposed", call=call, found=kernel.shape, expected=expected_kernel.shape)
        for other in (index - 1, index + 1):
            weights = _weights_of(model, other) if 0 <= other < len(model.layers) else None
            if weights is not None and kernel.shape == weights[0].shape and np.allclose(kernel, weights[0], atol=1e-6):
                fail("layer_index_off", call=call, found=other, expected=index)
        fail("weights_wrong", call=call, found=kernel.shape, expected=expected_kernel.shape)


def layer_outputs(model, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer, (its output, its output before the activation) for ``x``, in float64 numpy:
    Dense is act(x @ W + b), Dropout passes its input on (no training here)."""
    out, results = x.astype(np.float64), []
    for layer in model.layers:
        weights = layer.get_weights()
        if len(weights) == 2:
            before = out @ weights[0].astype(np.float64) + weights[1].astype(np.float64)
            activation = layer.get_config().get("activation")
            out = np.maximum(before, 0.0) if activation == "relu" else before
        else:
            before = out
        results.append((out, before))
    return results


@check(points=2)
def test_hidden_features(learner, rng, seed):
    model, n_features = shared_model(learner, rng, seed)
    x = rng.normal(size=(int(rng.integers(5, 40)), n_features)).astype("float32")
    outputs = layer_outputs(model, x)
    # one call (each traces a predict function in the worker): the relu layer with a neighbour on both sides,
    # so an index off by one reads another layer's outputs, and with relu layers before it (all linear shows)
    for index in [max(relu_indices(model))]:
        call = f"hidden_features(model, x {x.shape}, {index})"
        try:
            value = learner.hidden_features(model, x, index)
        except LearnerRaised as raised:
            if "never been called" in str(raised.params.get("error", "")):
                fail("sequential_input", call=call)
            raise
        found = as_array(value, call, lists=True)
        expected, before = outputs[index]
        if found.shape == expected.shape and np.allclose(found, expected, rtol=1e-4, atol=1e-5):
            continue
        linear = x.astype(np.float64)
        for layer in model.layers[: index + 1]:  # every Dense without its relu
            weights = layer.get_weights()
            if len(weights) == 2:
                linear = linear @ weights[0] + weights[1]
        for candidate in (before, linear):
            if found.shape == candidate.shape and np.allclose(found, candidate, rtol=1e-4, atol=1e-5):
                fail("pre_activation", call=call)
        for other in (index - 1, index + 1):
            if 0 <= other < len(outputs):
                candidate = outputs[other][0]
                if found.shape == candidate.shape and np.allclose(found, candidate, rtol=1e-4, atol=1e-5):
                    fail("layer_index_off", call=call, found=other, expected=index)
        if found.shape != expected.shape:
            fail("features_shape", call=call, found=found.shape, expected=expected.shape)
        fail("features_wrong", call=call)


# ----------------------------------------------------------------------------- learning curves


def random_history(rng) -> dict:
    """loss falling all along, val_loss falling to a minimum and rising after it (5 decimals)."""
    epochs = int(rng.integers(6, 30))
    loss = np.sort(rng.uniform(0.05, 2.0, size=epochs))[::-1]
    best = int(rng.integers(1, epochs - 2))
    val = np.empty(epochs)
    val[: best + 1] = np.sort(rng.uniform(0.4, 2.5, size=best + 1))[::-1]
    val[best + 1 :] = val[best] + np.cumsum(rng.uniform(0.01, 0.2, size=epochs - best - 1))
    return {"loss": [round(float(v), 5) for v in loss], "val_loss": [round(float(v), 5) for v in val]}


def _figure(learner, rng):
    history = random_history(rng)
    call = f"plot_learning_curves(<history of {len(history['loss'])} epochs: loss, val_loss>)"
    value = learner.plot_learning_curves(TrainingHistory(history))
    if value is None:
        fail("figure_none", call=call)
    if not isinstance(value, FigureData):
        fail("not_figure", call=call, found_type=type_name(value))
    if value.problem:
        fail("figure_too_large" if value.problem != "malformed" else "figure_malformed", call=call, size=value.size)
    return call, history, value


def _curve(figure: FigureData, values: list) -> tuple[int, int, bool] | None:
    """(axes, line, x is the epoch number) of the line whose y values are ``values``, or ``None``."""
    target, epochs = np.asarray(values, dtype=np.float64), len(values)
    found = None
    for a, axes in enumerate(figure.axes):
        for n, line in enumerate(axes.lines):
            if line.y is None or line.y.shape != target.shape or not np.allclose(line.y, target, atol=1e-6):
                continue
            x_ok = line.x is not None and any(
                line.x.shape == (epochs,) and np.allclose(line.x, np.arange(start, start + epochs)) for start in (0, 1)
            )
            if x_ok:
                return a, n, True
            found = (a, n, False)
    return found


@check(points=2)
def test_learning_curve_lines(learner, rng):
    call, history, figure = _figure(learner, rng)
    for key in ("loss", "val_loss"):
        curve = _curve(figure, history[key])
        if curve is None:
            lines = sum(len(axes.lines) for axes in figure.axes)
            fail("curve_missing", call=call, key=key, lines=lines)
        if not curve[2]:
            fail("curve_x_not_epochs", call=call, key=key, epochs=len(history[key]))


@check(points=1)
def test_learning_curve_labels(learner, rng):
    call, history, figure = _figure(learner, rng)
    curves = [c for c in (_curve(figure, history[key]) for key in ("loss", "val_loss")) if c is not None]
    if curves:
        axes_indices = sorted({c[0] for c in curves})
    else:
        axes_indices = [i for i, axes in enumerate(figure.axes) if axes.lines][:1]
    if not axes_indices:
        fail("no_lines", call=call)
    for index in axes_indices:
        axes = figure.axes[index]
        shown = sum(1 for c in curves if c[0] == index) or len(axes.lines)
        texts = [t for t in figure.all_legend_texts(axes) if t.strip() and not t.startswith("_")]
        if axes.legend is None and not figure.legends:
            fail("no_legend", call=call)
        expect(len(texts) >= min(shown, 2), "legend_incomplete", call=call, found=texts, expected=min(shown, 2))
        missing = [name for name, label in (("xlabel", axes.xlabel), ("ylabel", axes.ylabel)) if not label.strip()]
        expect(not missing, "axis_labels_missing", call=call, missing=", ".join(missing))
