"""Helpers for checks on Keras models, through public Keras 3 APIs only.

* :func:`learner_model` loads the model a learner function returned (a
  ``.keras`` file, ``safe_mode=True``) or fails with a message that teaches;
* :func:`layer_table` describes a model row by row (class, units/filters,
  kernel, padding, activation, output shape, parameters);
* :func:`expect_same_layers` compares a whole table with the expected one and,
  on a difference, shows both side by side with the reason that matters;
* :func:`compile_settings` reads optimizer, learning rate, loss and metrics;
* :func:`train` fits a model in the grading process, seeded and deterministic.

Runs only in the checker: importing this module imports Keras.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from grader.checking import fail, type_name
from grader.client import QUIET_TF_ENV
from grader.messages import catalogue_for
from grader.protocol import ModelFile, Opaque

for _key, _value in QUIET_TF_ENV.items():
    os.environ.setdefault(_key, _value)

import keras  # noqa: E402

logging.getLogger("tensorflow").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=".*Skipping variable loading for optimizer.*")
warnings.filterwarnings("ignore", message=".*input_shape.*input_dim.*")

LOSS_NAMES = {
    "binarycrossentropy": "binary_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "meansquarederror": "mse",
    "mean_squared_error": "mse",
    "mse": "mse",
    "meanabsoluteerror": "mae",
    "mean_absolute_error": "mae",
    "mae": "mae",
}


# ----------------------------------------------------------------------------- loading


def learner_model(value: Any, call: str) -> Any:
    """The Keras model behind a learner's return value, loaded in safe mode, or a failed check."""
    from grader.keras_codec import load_model

    if not isinstance(value, ModelFile):
        fail("model.not_a_model", call=call, found_type=type_name(value), found=value if not isinstance(value, Opaque) else value.preview)
    try:
        model = load_model(value)
    except ValueError as exc:
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text or "custom" in text.lower():
            fail("model.unsafe", call=call, error=text[:300])
        fail("model.unloadable", call=call, error=text[:300])
    except Exception as exc:  # a corrupt or foreign file
        fail("model.unloadable", call=call, error=f"{type(exc).__name__}: {str(exc)[:300]}")
    if not model.built or not model.layers:
        fail("model.not_built", call=call)
    return model


# ----------------------------------------------------------------------------- layer tables


@dataclass(frozen=True)
class Row:
    """One layer as the checks compare it. ``None`` fields are not compared."""

    kind: str
    units: int | None = None
    activation: str | None = None
    kernel: tuple | None = None
    padding: str | None = None
    output_shape: tuple | None = None
    params: int | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        parts = []
        if self.units is not None:
            parts.append(str(self.units))
        if self.kernel is not None:
            parts.append("x".join(map(str, self.kernel)))
        if self.padding is not None:
            parts.append(self.padding)
        if self.activation is not None:
            parts.append(self.activation)
        text = f"{self.kind}({', '.join(parts)})"
        if self.output_shape is not None:
            text += f" -> {self.output_shape}"
        if self.params is not None:
            text += f" {self.params:,}p"
        return text


def _activation(config: dict) -> str | None:
    activation = config.get("activation")
    if isinstance(activation, dict):  # an activation object, e.g. {"class_name": ..., "config": ...}
        activation = activation.get("config", {}).get("name") or activation.get("class_name")
    return None if activation is None else str(activation)


def layer_row(layer: Any) -> Row:
    config = layer.get_config()
    units = config.get("units", config.get("filters"))
    kernel = config.get("kernel_size") or config.get("pool_size")
    try:
        output_shape = tuple(layer.output.shape[1:])
    except (AttributeError, ValueError):
        output_shape = None
    return Row(
        kind=type(layer).__name__,
        units=None if units is None else int(units),
        activation=_activation(config),
        kernel=None if kernel is None else tuple(kernel),
        padding=config.get("padding"),
        output_shape=output_shape,
        params=int(layer.count_params()),
        extra=config,
    )


def layer_table(model: Any) -> list[Row]:
    """The model's layers (without the implicit InputLayer) as rows."""
    return [layer_row(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _reason(expected: Row | None, found: Row | None, index: int, total: int) -> str:
    catalogue = catalogue_for(None)
    if found is None:
        return catalogue.render("model.reason_missing", kind=expected.kind if expected else "")
    if expected is None:
        return catalogue.render("model.reason_extra", kind=found.kind)
    if found.kind != expected.kind:
        return catalogue.render("model.reason_kind", expected=expected.kind, found=found.kind)
    if found.activation != expected.activation:
        key = {"softmax": "model.reason_softmax", "sigmoid": "model.reason_sigmoid", "relu": "model.reason_relu"}.get(str(expected.activation))
        if expected.activation in (None, "linear") and index == total - 1:
            key = "model.reason_linear"
        return catalogue.render(key or "model.reason_activation", expected=expected.activation, found=found.activation)
    if found.units != expected.units:
        return catalogue.render("model.reason_units", expected=expected.units, found=found.units)
    if found.padding != expected.padding:
        return catalogue.render("model.reason_padding", expected=expected.padding, found=found.padding)
    return catalogue.render("model.reason_shape")


def compare_tables(expected: list[Row], found: list[Row], fields: tuple[str, ...]) -> int | None:
    """Index of the first row that differs in ``fields`` (or in count), else ``None``."""
    for index in range(max(len(expected), len(found))):
        if index >= len(expected) or index >= len(found):
            return index
        if any(getattr(expected[index], f) != getattr(found[index], f) for f in fields):
            return index
    return None


def side_by_side(expected: list[Row], found: list[Row], marked: int | None = None) -> str:
    """The two tables next to each other, one layer per line, the first difference marked."""
    width = max([len(r.describe()) for r in expected] + [len("expected")]) + 2
    lines = [f"     {'expected'.ljust(width)}yours"]
    for index in range(max(len(expected), len(found))):
        left = expected[index].describe() if index < len(expected) else "(none)"
        right = found[index].describe() if index < len(found) else "(none)"
        flag = "  <-" if index == marked else ""
        lines.append(f"  {index + 1:>2} {left.ljust(width)}{right}{flag}")
    return "\n".join(lines)


def expect_same_layers(
    model: Any,
    expected: list[Row],
    call: str,
    fields: tuple[str, ...] = ("kind", "units", "activation", "kernel", "padding", "output_shape", "params"),
) -> list[Row]:
    """Fail with a side-by-side table unless every layer matches ``expected`` in ``fields``."""
    found = layer_table(model)
    index = compare_tables(expected, found, fields)
    if index is not None:
        project = lambda rows: [Row(**{f: getattr(r, f) if f in fields else None for f in ("kind", "units", "activation", "kernel", "padding", "output_shape", "params")}) for r in rows]  # noqa: E731
        same = lambda a, b: (a.kind, a.units, a.activation) == (b.kind, b.units, b.activation)  # noqa: E731
        if len(found) < len(expected) and index < len(found) and same(found[index], expected[index + 1]):
            reason = _reason(expected[index], None, index, len(expected))  # a layer is missing here
        elif len(found) > len(expected) and index + 1 < len(found) and index < len(expected) and same(found[index + 1], expected[index]):
            reason = _reason(None, found[index], index, len(expected))  # an extra layer here
        else:
            reason = _reason(expected[index] if index < len(expected) else None, found[index] if index < len(found) else None, index, len(expected))
        fail(
            "model.layers_differ",
            call=call,
            layer=index + 1,
            counts="" if len(found) == len(expected) else catalogue_for(None).render("model.counts", found=len(found), expected=len(expected)),
            reason=reason,
            table=side_by_side(project(expected), project(found), index),
        )
    return found


# ----------------------------------------------------------------------------- compile settings


def loss_name(loss: Any) -> str | None:
    """``'sparse_categorical_crossentropy'`` for a string, a class name or a config dict."""
    if loss is None:
        return None
    if isinstance(loss, dict):
        loss = loss.get("config", {}).get("name") or loss.get("class_name")
    if not isinstance(loss, str):
        loss = getattr(loss, "name", None) or type(loss).__name__
    key = str(loss).lower()
    return LOSS_NAMES.get(key, LOSS_NAMES.get(key.replace("_", ""), key))


@dataclass(frozen=True)
class CompileSettings:
    compiled: bool
    optimizer: str | None = None
    learning_rate: float | None = None
    loss: str | None = None
    metrics: tuple = ()
    optimizer_config: dict = field(default_factory=dict)


def compile_settings(model: Any) -> CompileSettings:
    """Optimizer class, learning rate, loss name and metric names of a (reloaded) model."""
    if not getattr(model, "compiled", False):
        return CompileSettings(compiled=False)
    config = model.get_compile_config() or {}
    optimizer = config.get("optimizer") or {}
    if isinstance(optimizer, str):
        optimizer_name, optimizer_config = optimizer, {}
    else:
        optimizer_name, optimizer_config = optimizer.get("class_name"), optimizer.get("config", {})
    learning_rate = optimizer_config.get("learning_rate")
    if isinstance(learning_rate, dict):  # a schedule
        learning_rate = learning_rate.get("config", {}).get("initial_learning_rate")
    metrics = config.get("metrics") or []
    names = tuple(str(m if isinstance(m, str) else (m.get("config", {}).get("name") if isinstance(m, dict) else m)) for m in metrics)
    return CompileSettings(
        compiled=True,
        optimizer=None if optimizer_name is None else str(optimizer_name),
        learning_rate=None if learning_rate is None else float(learning_rate),
        loss=loss_name(config.get("loss")),
        metrics=names,
        optimizer_config=optimizer_config,
    )


def expect_compiled(model: Any, call: str, *, optimizer: str | None = None, learning_rate: float | None = None, loss: str | None = None, metrics: tuple = ()) -> CompileSettings:
    """Fail with a teaching message unless the compile settings match."""
    settings = compile_settings(model)
    if not settings.compiled:
        fail("model.not_compiled", call=call)
    if optimizer is not None and (settings.optimizer or "").lower() != optimizer.lower():
        fail("model.wrong_optimizer", call=call, found=settings.optimizer, expected=optimizer)
    if learning_rate is not None and (settings.learning_rate is None or abs(settings.learning_rate - learning_rate) > 1e-6 * max(1.0, learning_rate) + 1e-9):
        fail("model.wrong_learning_rate", call=call, found=settings.learning_rate, expected=learning_rate)
    if loss is not None and settings.loss != loss:
        fail("model.wrong_loss", call=call, found=settings.loss, expected=loss, advice=loss_advice(model, settings.loss))
    for metric in metrics:
        if metric not in settings.metrics and not (metric == "accuracy" and "acc" in settings.metrics):
            fail("model.missing_metric", call=call, metric=metric, found=list(settings.metrics))
    return settings


def loss_advice(model: Any, loss: str | None) -> str:
    """Why a loss does not fit the model's output layer, in the learner's terms."""
    catalogue = catalogue_for(None)
    rows = layer_table(model)
    last = rows[-1] if rows else None
    activation = last.activation if last else None
    units = last.units if last else None
    if loss == "binary_crossentropy" and activation == "softmax":
        return catalogue.render("model.advice_softmax_binary")
    if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy") and activation == "sigmoid" and units == 1:
        return catalogue.render("model.advice_sigmoid_sparse")
    if loss == "categorical_crossentropy":
        return catalogue.render("model.advice_onehot")
    if loss == "mse" and activation in ("softmax", "sigmoid"):
        return catalogue.render("model.advice_mse_classifier")
    return ""


# ----------------------------------------------------------------------------- training


def deterministic(seed: int) -> None:
    """Seed Python, numpy and TensorFlow, and make TensorFlow's ops deterministic."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed % 2**31)
    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # pragma: no cover - older TensorFlow
        pass


def train(model: Any, x: Any, y: Any, *, seed: int, epochs: int, batch_size: int = 32, **fit_kwargs: Any) -> dict:
    """Fit ``model`` in the checker (its own compile settings), seeded; returns ``history.history``."""
    deterministic(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True, **fit_kwargs)
    return history.history


def accuracy(model: Any, x: Any, y: Any) -> float:
    """Accuracy of a classifier's predictions (sigmoid: threshold 0.5; softmax: argmax)."""
    import numpy as np

    probabilities = np.asarray(model.predict(x, verbose=0))
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        predicted = (probabilities.reshape(-1) >= 0.5).astype(int)
    else:
        predicted = probabilities.argmax(axis=-1)
    return float(np.mean(predicted == np.asarray(y).reshape(-1)))
