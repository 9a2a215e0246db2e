"""Hidden checks for exercise 12: penalties, a regularised MLP, early stopping, histories, augmentation.

Penalties against the formula (the project's tests prove it equals
keras.regularizers); the MLP by walking its layers' public configs; the
augmentation model by applying it here, in the grading process, to a seeded
batch in training and in inference mode.

The contract asks build_regularized_mlp for a ``keras.Model``, so a subclassed model (Deep Learning with
Python's and Hands-On ML's subclassing API) is judged too, by what the worker reports where its class
exists (:func:`grader.checking.models.subclassed_report`): the same table, each layer's config included
(regularisers, Dropout's rate), walked by the same checks; its input width is the one its first Dense
layer's kernel takes on the grader's random inputs; and its ``call()`` must apply every layer it
declares, once, in order (traced in the worker: a skipped Dropout changes no output at inference, so
outputs alone cannot show it). No check needs the class rebuilt here.
"""

from __future__ import annotations

import numpy as np

from grader.checking import (
    KerasObjectSpec,
    as_int,
    as_number,
    check,
    expect,
    fail,
    type_name,
    wrong_type,
)
from grader.checking.models import (
    SubclassedModel,
    expect_subclass_applies_its_layers,
    is_subclassed,
    keras,
    layer_table,
    learner_model,
    subclassed_report,
)


def _number(value, call: str) -> float:
    return as_number(value, call, "one number")


# ----------------------------------------------------------------------------- penalties


def _penalty(learner, name: str, rng) -> None:
    for _ in range(4):
        weights = rng.normal(0, 2, size=tuple(int(v) for v in rng.integers(1, 8, size=2)))
        lam = float(rng.choice([1e-4, 0.01, 0.3]))
        call = f"{name}(<weights {weights.shape}>, lam={lam})"
        found = _number(learner.call(name, weights, lam), call)
        l1, l2 = lam * np.abs(weights).sum(), lam * np.square(weights).sum()
        expected = l1 if name == "l1_penalty" else l2
        if abs(found - expected) <= 1e-6 * max(1.0, abs(expected)):
            continue
        other = l2 if name == "l1_penalty" else l1
        if abs(found - other) <= 1e-6 * max(1.0, abs(other)):
            fail("penalty_swapped", call=call, found=round(found, 6), expected=round(expected, 6))
        if abs(found - expected / lam) <= 1e-6 * max(1.0, abs(expected / lam)):
            fail("penalty_no_lambda", call=call)
        if name == "l2_penalty" and abs(found - expected / 2) <= 1e-6 * max(1.0, abs(expected / 2)):
            fail("penalty_half", call=call, found=round(found, 6), expected=round(expected, 6))
        fail("penalty_wrong", call=call, found=round(found, 6), expected=round(expected, 6))


@check(points=1)
def test_l1_penalty(learner, rng):
    _penalty(learner, "l1_penalty", rng)


@check(points=1)
def test_l2_penalty(learner, rng):
    _penalty(learner, "l2_penalty", rng)


# ----------------------------------------------------------------------------- the MLP


def _mlp(learner, rng, batch_norm: bool = True):
    n_features, n_classes = int(rng.integers(3, 40)), int(rng.integers(2, 12))
    dropout, l2 = float(rng.choice([0.2, 0.3, 0.5])), float(rng.choice([1e-4, 1e-3, 0.01]))
    call = f"build_regularized_mlp({n_features}, {n_classes}, dropout={dropout}, l2={l2}, batch_norm={batch_norm})"
    kwargs = {"dropout": dropout, "l2": l2, "batch_norm": batch_norm}
    value = learner.build_regularized_mlp(n_features, n_classes, **kwargs)
    if is_subclassed(value):  # the worker's report on it, built on random inputs
        x_probe = rng.normal(size=(16, n_features)).astype(np.float32)
        model = subclassed_report(learner, "build_regularized_mlp", [n_features, n_classes], kwargs, call, x_probe)
        expect_subclass_applies_its_layers(model, call)
    else:
        model = learner_model(value, call)
    return call, model, layer_table(model), n_classes, dropout, l2, n_features


def _hidden_blocks(rows) -> list[list]:
    """Split the layers before the output (the last Dense) into blocks, each starting with a Dense.

    Layers after the output are judged by test_output_layer_comes_last alone."""
    dense_positions = [i for i, row in enumerate(rows) if row.kind == "Dense"]
    output = dense_positions[-1] if dense_positions else len(rows)
    blocks: list[list] = []
    for row in rows[:output]:
        if row.kind == "Dense" or not blocks:
            blocks.append([row])
        else:
            blocks[-1].append(row)
    return blocks


def _l2_factor(row) -> float | None:
    regularizer = row.extra.get("kernel_regularizer")
    if not isinstance(regularizer, dict):
        return None
    config = regularizer.get("config", {})
    return config.get("l2")


@check(points=2)
def test_output_layer_comes_last(learner, rng):
    call, _, rows, n_classes, _, _, _ = _mlp(learner, rng)
    last = rows[-1]
    if last.kind == "Dropout":
        fail("dropout_after_output", call=call)
    if last.kind == "BatchNormalization":
        fail("batchnorm_after_output", call=call)
    expect(
        last.kind == "Dense" and last.units == n_classes and last.activation == "softmax",
        "output_wrong",
        call=call,
        found=last.describe(),
        n_classes=n_classes,
    )


@check(points=1)
def test_input_takes_n_features(learner, rng):
    call, model, _, _, _, _, n_features = _mlp(learner, rng)
    if isinstance(model, SubclassedModel):  # the width its first Dense kernel takes
        kernel = model.weights[0] if model.weights and model.rows and model.rows[0].kind == "Dense" else None
        found = (int(kernel.shape[0]),) if kernel is not None and kernel.ndim == 2 else None
    else:
        try:
            found = tuple(model.inputs[0].shape)[1:]
        except (AttributeError, IndexError, TypeError, ValueError):
            found = None
    expect(found == (n_features,), "input_shape_wrong", call=call, found=found, expected=(n_features,))


@check(points=2)
def test_hidden_layers_have_l2(learner, rng):
    call, _, rows, _, _, l2, _ = _mlp(learner, rng)
    hidden = [block[0] for block in _hidden_blocks(rows) if block[0].kind == "Dense"]
    expect(hidden, "no_hidden", call=call)
    for index, row in enumerate(hidden):
        expect(row.activation == "relu", "hidden_activation", call=call, index=index + 1, found=row.activation)
        factor = _l2_factor(row)
        if factor is None:
            regularizer = row.extra.get("kernel_regularizer")
            if isinstance(regularizer, dict):
                fail("l2_wrong_kind", call=call, index=index + 1, found=regularizer.get("class_name"))
            fail("l2_missing", call=call, index=index + 1)
        expect(
            isinstance(factor, (int, float)) and abs(float(factor) - l2) <= 1e-9 + 1e-6 * l2,
            "l2_factor",
            call=call,
            index=index + 1,
            found=factor,
            expected=l2,
        )


@check(points=2)
def test_batchnorm_and_dropout_after_each_hidden_layer(learner, rng):
    call, _, rows, _, dropout, _, _ = _mlp(learner, rng)
    for index, block in enumerate(_hidden_blocks(rows)):
        kinds = [row.kind for row in block[1:]]
        expect(kinds == ["BatchNormalization", "Dropout"], "block_order", call=call, index=index + 1, found=kinds)
        rate = block[-1].extra.get("rate")
        expect(
            rate is not None and abs(float(rate) - dropout) < 1e-9,
            "dropout_rate",
            call=call,
            index=index + 1,
            found=rate,
            expected=dropout,
        )


@check(points=1)
def test_batch_norm_can_be_turned_off(learner, rng):
    call, _, rows, _, _, _, _ = _mlp(learner, rng, batch_norm=False)
    kinds = [
        row.kind for block in _hidden_blocks(rows) for row in block
    ]  # layers after the output: test_output_layer_comes_last
    expect("BatchNormalization" not in kinds and "Dropout" in kinds, "batch_norm_flag", call=call, found=kinds)


# ----------------------------------------------------------------------------- early stopping and histories


@check(points=2)
def test_early_stopping_config(learner, rng):
    patience = int(rng.integers(2, 12))
    call = f"early_stopping(patience={patience})"
    value = learner.early_stopping(patience=patience)
    if not isinstance(value, KerasObjectSpec) or value.class_name != "EarlyStopping":
        fail("not_early_stopping", call=call, found_type=getattr(value, "class_name", type_name(value)))
    config = value.config
    monitor = config.get("monitor")
    expect(monitor not in ("loss", "accuracy", "acc"), "monitor_training", call=call, found=monitor)
    expect(monitor == "val_loss", "monitor_wrong", call=call, found=monitor)
    expect(
        config.get("patience") == patience, "patience_wrong", call=call, found=config.get("patience"), expected=patience
    )
    expect(config.get("restore_best_weights") is True, "restore_missing", call=call)


def random_history(rng, overfit: bool) -> dict:
    epochs = int(rng.integers(6, 25))
    loss = np.sort(rng.uniform(0.1, 2.0, size=epochs))[::-1]
    best = int(rng.integers(0, epochs - 4)) if overfit else int(rng.integers(epochs - 2, epochs))
    val = np.empty(epochs)
    val[: best + 1] = np.sort(rng.uniform(0.5, 2.5, size=best + 1))[::-1]
    val[best + 1 :] = val[best] + np.cumsum(rng.uniform(0.01, 0.2, size=epochs - best - 1))
    return {"loss": [round(float(v), 5) for v in loss], "val_loss": [round(float(v), 5) for v in val]}


@check(points=2)
def test_best_epoch(learner, rng):
    for _ in range(6):
        history = random_history(rng, bool(rng.integers(0, 2)))
        expected = int(np.argmin(history["val_loss"]))
        call = f"best_epoch(<history of {len(history['val_loss'])} epochs>)"
        found = as_int(learner.best_epoch(history), call)
        if found == expected:
            continue
        if found == expected + 1:
            fail("best_epoch_one_based", call=call, found=found, expected=expected)
        if found == int(np.argmin(history["loss"])):
            fail("best_epoch_training_loss", call=call, found=found, expected=expected)
        expect(found == expected, "best_epoch_wrong", call=call, found=found, expected=expected)


def shaped_history(rng, epochs: int, best: int, train_falls: bool) -> dict:
    """val_loss falls to its minimum at ``best`` and rises after it; the training loss falls
    all along (``train_falls``) or rises again after ``best`` (a diverging run, not overfitting)."""
    val = np.empty(epochs)
    val[: best + 1] = np.sort(rng.uniform(0.5, 2.5, size=best + 1))[::-1]
    val[best + 1 :] = val[best] + np.cumsum(rng.uniform(0.01, 0.2, size=epochs - best - 1))
    loss = np.sort(rng.uniform(0.1, 2.0, size=epochs))[::-1]
    if not train_falls:
        loss[best + 1 :] = loss[best] + np.cumsum(rng.uniform(0.01, 0.2, size=epochs - best - 1))
    return {"loss": [round(float(v), 5) for v in loss], "val_loss": [round(float(v), 5) for v in val]}


def overfitting_expected(history: dict, window: int) -> bool:
    """The stub's definition: the lowest val_loss is at least ``window`` epochs before the last
    epoch, and the last training loss is lower than the training loss at that best epoch."""
    val, loss = history["val_loss"], history["loss"]
    best = int(np.argmin(val))
    return len(val) - 1 - best >= window and loss[-1] < loss[best]


@check(points=2)
def test_is_overfitting(learner, rng):
    cases = []
    for window in (3, int(rng.integers(2, 6))):
        epochs = int(rng.integers(window + 6, window + 20))
        stalled = int(rng.integers(window + 1, epochs - 1))
        cases += [
            (shaped_history(rng, epochs, epochs - 1 - stalled, True), window),  # overfitting
            (shaped_history(rng, epochs, epochs - 1 - window, True), window),  # overfitting, exactly `window` epochs
            (shaped_history(rng, epochs, epochs - window, True), window),  # one epoch short of `window`
            (shaped_history(rng, epochs, epochs - 1, True), window),  # still improving
            (shaped_history(rng, epochs, epochs - 1 - stalled, False), window),  # both losses rise: diverging
        ]
    for index in rng.permutation(len(cases)):
        history, window = cases[int(index)]
        expected = overfitting_expected(history, window)
        best = int(np.argmin(history["val_loss"]))
        trend = "kept falling" if history["loss"][-1] < history["loss"][best] else "rose again"
        epochs = len(history["val_loss"])
        described = f"{epochs} epochs, lowest val_loss at epoch {best}, training loss {trend}"
        call = f"is_overfitting(<{described}>, window={window})"
        found = learner.is_overfitting(history, window=window)
        if not isinstance(found, (bool, np.bool_)):
            wrong_type(found, call, "type.true_or_false")
        if bool(found) != expected and trend == "rose again":
            fail("overfitting_training_rose", call=call, found=bool(found), expected=expected)
        expect(
            bool(found) == expected, "overfitting_wrong", call=call, found=bool(found), expected=expected, window=window
        )


# ----------------------------------------------------------------------------- augmentation


def _augmentation(learner):
    call = "augmentation()"
    return call, learner_model(learner.augmentation(), call, built=False)  # no Input: built by its first batch


ROTATION = 20 / 360  # ImageDataGenerator(rotation_range=20): degrees; RandomRotation's factor is a fraction of a turn
SHIFT = 0.2  # width_shift_range=0.2, height_shift_range=0.2


def _range(value) -> tuple[float, float] | None:
    """A layer factor as (low, high): a number f means (-f, f)."""
    try:
        if isinstance(value, (int, float)):
            return (-float(value), float(value))
        low, high = value
        return (float(low), float(high))
    except (TypeError, ValueError):
        return None


def _is_range(value, size: float) -> bool:
    found = _range(value)
    return found is not None and all(abs(f - e) <= 1e-6 for f, e in zip(found, (-size, size)))


@check(points=1)
def test_augmentation_layers(learner):
    """The course's ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=0.2,
    horizontal_flip=True) as Keras 3 layers, in any order."""
    call, model = _augmentation(learner)
    kinds = [type(layer).__name__ for layer in model.layers]
    if not {"RandomFlip", "RandomRotation", "RandomTranslation"} <= set(kinds):
        fail("augmentation_layers", call=call, found=kinds)
    config = {type(layer).__name__: layer.get_config() for layer in model.layers}
    mode = config["RandomFlip"].get("mode")
    expect(mode == "horizontal", "augmentation_flip_mode", call=call, found=mode)
    factor = config["RandomRotation"].get("factor")
    if not _is_range(factor, ROTATION):
        found = _range(factor)
        degrees = round(found[1] * 360, 1) if found else factor
        fail("augmentation_rotation", call=call, found=factor, degrees=degrees)
    shifts = {key: config["RandomTranslation"].get(key) for key in ("height_factor", "width_factor")}
    expect(all(_is_range(v, SHIFT) for v in shifts.values()), "augmentation_translation", call=call, found=shifts)


@check(points=2)
def test_augmentation_changes_images_in_training_only(learner, seed):
    call, model = _augmentation(learner)
    keras.utils.set_random_seed(seed % 2**31)
    images = np.random.default_rng(seed).random((4, 16, 16, 3)).astype("float32")
    try:
        inference = np.asarray(keras.ops.convert_to_numpy(model(images, training=False)))
        training = np.asarray(keras.ops.convert_to_numpy(model(images, training=True)))
    except Exception as exc:  # the learner's layers could not process a batch of RGB images
        fail("augmentation_failed", call=call, shape=images.shape, error=f"{type(exc).__name__}: {str(exc)[:300]}")
    expect(training.shape == images.shape, "augmentation_shape", call=call, found=training.shape, expected=images.shape)
    if inference.shape != images.shape or not np.allclose(inference, images):
        scale = float(np.sum(inference * images) / np.sum(images * images)) if inference.shape == images.shape else 0.0
        if scale and np.allclose(inference, scale * images, atol=1e-5):
            fail("augmentation_rescales", call=call, scale=round(scale, 6))
        fail("augmentation_at_inference", call=call)
    expect(not np.allclose(training, images), "augmentation_no_change", call=call)
