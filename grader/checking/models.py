"""Helpers for checks on Keras models, through public Keras 3 APIs only.

* :func:`learner_model` loads the model a learner function returned (a
  ``.keras`` file, ``safe_mode=True``) or fails with a message that teaches;
* :func:`layer_table` describes a model row by row (class, units/filters,
  kernel, padding, activation, output shape, parameters);
* :func:`expect_same_layers` compares a whole table with the expected one and,
  on a difference, shows both side by side with the reason that matters;
* :func:`compile_settings` reads optimizer, learning rate, loss and metrics;
  :func:`loss_advice` says why a loss does not fit the output layer or the
  labels (softmax + binary_crossentropy, one-hot labels with the sparse loss);
* :func:`train` fits a model seeded and deterministic within a time budget;
  :func:`fit_and_score` has a trainer process (:mod:`grader.checking.trainer`,
  memory cap, hard deadline) train and score it on held-out data, and fails
  with the reason that matters; under ``--plot`` the trainer's recorder keeps that fit for the
  learning curve, and :func:`record_for_plot` offers one where an exercise's checks train none.

Runs only in the checker (never learner code): importing this module imports Keras.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from grader.checking.api import fail, type_name
from grader.checking.deferred import finish_later
from grader.checking.model_budget import TooLarge, copy_archive, inspect_archive
from grader.checking.safe_names import map_archive_aliases, refused_parts
from grader.messages import message_ref
from grader.outcomes import LearnerRaised
from grader.sandbox.environment import quiet_tensorflow
from grader.sandbox.protocol import ModelFile, Opaque, printable

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # "triggered tf.function retracing" and friends
warnings.filterwarnings("ignore", message=".*Skipping variable loading for optimizer.*")
warnings.filterwarnings("ignore", message=".*input_shape.*input_dim.*")

REGRESSION_LOSSES = ("mse", "mae", "huber", "msle", "logcosh")
LOSS_NAMES = {  # keys without underscores: "mean_squared_error" and "MeanSquaredError" both read "meansquarederror"
    "binarycrossentropy": "binary_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "meansquarederror": "mse",
    "mse": "mse",
    "meanabsoluteerror": "mae",
    "mae": "mae",
    "huber": "huber",
}
ACCURACY_NAMES = {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}
PROBABILITY_LOSSES = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}


# ----------------------------------------------------------------------------- loading


def learner_model(value: Any, call: str, *, compiled: bool = False, built: bool = True) -> Any:
    """The Keras model behind a learner's return value, loaded in safe mode, or a failed check.

    Fails with a teaching message when the value is not a model (``None``: a
    forgotten ``return``), when safe mode refuses it (a ``Lambda`` layer or a
    custom object, whose code would have to run here), when it has no input
    shape, and, with ``compiled=True``, when it was never compiled.
    """
    from grader.sandbox.keras_codec import SUBCLASSED_MODEL, load_model

    if isinstance(value, Opaque) and value.reason == SUBCLASSED_MODEL:
        fail("model.subclassed", call=call, found_type=value.type_name)
    if not isinstance(value, ModelFile):
        fail(
            "model.not_a_model",
            call=call,
            found_type=type_name(value),
            found=value if not isinstance(value, Opaque) else value.preview,
        )
    with tempfile.TemporaryDirectory(prefix="kerasdrill-model-") as private:
        # Judge and build one private copy: the worker, still running, may replace its file at any time.
        copy = ModelFile(os.path.join(private, "model.keras"), value.class_name)
        try:
            copy_archive(value.path, copy.path)
            inspect_archive(copy.path)  # before Keras builds anything the learner described
        except TooLarge as refused:
            fail(refused.message_id, call=call, **refused.params)
        map_archive_aliases(copy.path)  # tf.nn.softmax (saved as softmax_v2) is Keras's softmax
        try:
            model = load_model(copy)
        except Exception as exc:  # refused by safe mode, a class of the learner's own, a corrupt file
            text = f"{type(exc).__name__}: {str(exc)[:300]}"
            parts = [message_ref(f"model.refused_{kind}", **params) for kind, params in refused_parts(copy.path)]
            if parts or any(word in text.lower() for word in ("safe_mode", "lambda", "custom", "deserializ")):
                fail("model.unsafe", call=call, refused=parts or [message_ref("model.refused_unknown", error=text)])
            fail("model.unloadable", call=call, error=text)
    if built and (not model.built or not model.layers):
        fail("model.not_built", call=call)
    if compiled and not getattr(model, "compiled", False):
        fail("model.not_compiled", call=call)
    return model


# ----------------------------------------------------------------------------- layer tables


ROW_FIELDS = ("kind", "units", "activation", "kernel", "padding", "output_shape", "params")


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
        padding=_padding(config.get("padding")),
        output_shape=output_shape,
        params=int(layer.count_params()),
        extra=config,
    )


def _padding(value: Any) -> str | None:
    """A layer's padding as text: "same"/"valid", or ZeroPadding2D's ((1, 1), (1, 1)) written out."""
    if value is None or isinstance(value, str):
        return value
    return str(_plain_tuple(value))


def _plain_tuple(value: Any) -> Any:
    return tuple(_plain_tuple(v) for v in value) if isinstance(value, (list, tuple)) else value


def layer_table(model: Any, *, merge_activations: bool = False) -> list[Row]:
    """The model's layers (without the implicit InputLayer) as rows.

    With ``merge_activations``, a separate ``Activation``/``ReLU``/``Softmax``
    layer right after a layer without an activation is folded into that layer's
    row: ``Dense(10)`` + ``Activation('softmax')`` (a Keras 2 idiom that still
    works) reads as ``Dense(10, softmax)``.
    """
    if isinstance(model, SubclassedModel):  # the worker's report: its rows, read the same way
        found = list(model.rows)
    else:
        found = [layer_row(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"]
    rows: list[Row] = []
    for row in found:
        folded = _standalone_activation(row) if merge_activations else None
        if folded and rows and rows[-1].activation in (None, "linear") and rows[-1].kind not in _ACTIVATION_LAYERS:
            rows[-1] = replace(rows[-1], activation=folded, output_shape=row.output_shape)
            continue
        rows.append(row)
    return rows


_ACTIVATION_LAYERS = {"Activation", "ReLU", "Softmax"}


def _standalone_activation(row: Row) -> str | None:
    if row.kind == "Activation":
        return row.activation
    if (
        row.kind == "ReLU"
        and not row.extra.get("negative_slope")
        and row.extra.get("max_value") is None
        and not row.extra.get("threshold")
    ):
        return "relu"
    if row.kind == "Softmax":
        return "softmax"
    return None


def _reason(expected: Row | None, found: Row | None, index: int, total: int) -> dict:
    if found is None:
        return message_ref("model.reason_missing", kind=expected.kind if expected else "")
    if expected is None:
        return message_ref("model.reason_extra", kind=found.kind)
    if found.kind != expected.kind:
        return message_ref("model.reason_kind", expected=expected.kind, found=found.kind)
    if found.activation != expected.activation:
        key = {"softmax": "model.reason_softmax", "sigmoid": "model.reason_sigmoid", "relu": "model.reason_relu"}.get(
            str(expected.activation)
        )
        if expected.activation in (None, "linear") and index == total - 1:
            key = "model.reason_linear"
        return message_ref(key or "model.reason_activation", expected=expected.activation, found=found.activation)
    if found.units != expected.units:
        return message_ref("model.reason_units", expected=expected.units, found=found.units)
    if found.padding != expected.padding:
        return message_ref("model.reason_padding", expected=expected.padding, found=found.padding)
    return message_ref("model.reason_shape")


def compare_tables(expected: list[Row], found: list[Row], fields: tuple[str, ...]) -> int | None:
    """Index of the first row that differs in ``fields`` (or in count), else ``None``."""
    for index in range(max(len(expected), len(found))):
        if index >= len(expected) or index >= len(found):
            return index
        if any(getattr(expected[index], f) != getattr(found[index], f) for f in fields):
            return index
    return None


def side_by_side(expected: list[Row], found: list[Row], marked: int | None = None) -> dict:
    """The two tables next to each other, one layer per line, the first difference marked: a message
    whose legend ("left: expected, right: yours") is in the reader's language; the rows are code."""
    width = max([len(r.describe()) for r in expected] + [4]) + 2
    lines = []
    for index in range(max(len(expected), len(found))):
        left = expected[index].describe() if index < len(expected) else "-"
        right = found[index].describe() if index < len(found) else "-"
        flag = "  <-" if index == marked else ""
        lines.append(f"  {index + 1:>2} {left.ljust(width)}{right}{flag}")
    return message_ref("model.layer_table", rows="\n".join(lines))


def expect_same_layers(
    model: Any,
    expected: list[Row],
    call: str,
    fields: tuple[str, ...] = ROW_FIELDS,
) -> list[Row]:
    """Fail with a side-by-side table unless every layer matches ``expected`` in ``fields``.

    The whole table is compared, length included (a truncated or padded model
    fails: no ``zip``). A separate activation layer counts as its layer's
    activation (see :func:`layer_table`).
    """
    return expect_same_rows(layer_table(model, merge_activations=True), expected, call, fields)


def expect_same_rows(
    found: list[Row], expected: list[Row], call: str, fields: tuple[str, ...] = ROW_FIELDS
) -> list[Row]:
    """:func:`expect_same_layers` for a table already read (a subclassed model's, reported by the worker)."""
    index = compare_tables(expected, found, fields)
    if index is not None:
        unshown = {f: None for f in ROW_FIELDS if f not in fields}
        project = lambda rows: [replace(r, **unshown) for r in rows]  # noqa: E731
        same = lambda a, b: (a.kind, a.units, a.activation) == (b.kind, b.units, b.activation)  # noqa: E731
        if len(found) < len(expected) and index < len(found) and same(found[index], expected[index + 1]):
            reason = _reason(expected[index], None, index, len(expected))  # a layer is missing here
        elif (
            len(found) > len(expected)
            and index + 1 < len(found)
            and index < len(expected)
            and same(found[index + 1], expected[index])
        ):
            reason = _reason(None, found[index], index, len(expected))  # an extra layer here
        else:
            reason = _reason(
                expected[index] if index < len(expected) else None,
                found[index] if index < len(found) else None,
                index,
                len(expected),
            )
        fail(
            "model.layers_differ",
            call=call,
            layer=index + 1,
            counts=""
            if len(found) == len(expected)
            else message_ref("model.counts", found=len(found), expected=len(expected)),
            reason=reason,
            table=side_by_side(project(expected), project(found), index),
        )
    return found


# ----------------------------------------------------------------------------- compile settings


def loss_name(loss: Any) -> str | None:
    """``'sparse_categorical_crossentropy'`` for a string, a loss object, a loss function or a config dict.

    A loss object's class decides (``SparseCategoricalCrossentropy(name="x")``
    is still the sparse loss); a one-element list or dict (one output) is unwrapped.
    """
    if loss is None:
        return None
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        return loss_name(loss[0])
    if isinstance(loss, dict) and "class_name" not in loss and len(loss) == 1:  # {"output_name": loss}
        return loss_name(next(iter(loss.values())))
    if isinstance(loss, dict):
        config = loss.get("config")
        class_name = str(loss.get("class_name") or "")
        if isinstance(config, str):  # a plain function: {"class_name": "function", "config": "mse"}
            loss = config
        elif class_name and class_name.lower() not in ("function", "lossfunctionwrapper"):
            loss = class_name
        elif isinstance(config, dict):
            loss = config.get("fn") if isinstance(config.get("fn"), str) else config.get("name") or class_name
        else:
            loss = class_name
    elif not isinstance(loss, str):
        if isinstance(loss, keras.losses.Loss):
            loss = type(loss).__name__
        else:
            loss = getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__
    key = str(loss).lower()
    return LOSS_NAMES.get(key.replace("_", ""), key)


def _metric_names(metrics: Any) -> tuple[str, ...]:
    """Flat metric names from a compile config (strings, objects' configs, nested lists, per-output dicts)."""
    names: list[str] = []

    def walk(item: Any) -> None:
        if item is None:
            return
        if isinstance(item, (list, tuple)):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict) and "class_name" in item:
            config = item.get("config")
            name = config.get("name") if isinstance(config, dict) else config if isinstance(config, str) else None
            names.append(str(name or item.get("class_name")))
        elif isinstance(item, dict):
            for sub in item.values():
                walk(sub)
        else:
            names.append(
                str(
                    item
                    if isinstance(item, str)
                    else getattr(item, "name", None) or getattr(item, "__name__", None) or type(item).__name__
                )
            )

    walk(metrics)
    return tuple(names)


@dataclass(frozen=True)
class CompileSettings:
    compiled: bool
    optimizer: str | None = None
    learning_rate: float | None = None
    loss: str | None = None
    metrics: tuple = ()
    optimizer_config: dict = field(default_factory=dict)
    from_logits: bool = False
    learning_rate_problem: str = ""  # a learning rate that is no number and no schedule, as the learner wrote it

    def has_metric(self, metric: str) -> bool:
        """``accuracy`` is satisfied by ``acc`` and the task-specific accuracies too."""
        if metric == "accuracy":
            return any(name in ACCURACY_NAMES for name in self.metrics)
        return metric in self.metrics


def compile_settings(model: Any) -> CompileSettings:
    """Optimizer class, learning rate, loss name and metric names of a (reloaded) model.

    The compile config is the learner's data: every part of it is read as what it is (a part that is not
    the dict, string or number Keras writes counts as missing), so an odd config is a failed check, never
    a fault of the grader. A learning rate that is neither a number nor a schedule (a function, an object)
    is kept in ``learning_rate_problem``, shown as the learner wrote it."""
    if isinstance(model, SubclassedModel):  # reported by the worker as the same plain data
        return model.settings
    if not getattr(model, "compiled", False):
        return CompileSettings(compiled=False)

    def optimizer_config() -> Any:
        try:
            return model.optimizer.get_config() if getattr(model, "optimizer", None) is not None else None
        except Exception:  # an optimizer rebuilt from the learner's config that cannot describe itself
            return None

    return settings_from_config(model.get_compile_config(), optimizer_config)


def settings_from_config(compile_config: Any, optimizer_config_of: Any = None) -> CompileSettings:
    """:class:`CompileSettings` from a compiled model's ``get_compile_config()`` and (called only if the
    learning rate is not in it) its optimizer's ``get_config()``: a loaded model's, or a subclassed
    model's as the worker reported them (:func:`subclassed_report`). Every part is the learner's data."""
    config = _mapping(compile_config)
    optimizer = config.get("optimizer") or {}
    if isinstance(optimizer, str):
        optimizer_name, optimizer_config = optimizer, {}
    else:
        optimizer = _mapping(optimizer)
        optimizer_name, optimizer_config = optimizer.get("class_name"), _mapping(optimizer.get("config"))
    if isinstance(optimizer_name, str) and optimizer_name.islower():  # compile(optimizer="adam") before building
        optimizer_name = {
            "sgd": "SGD",
            "rmsprop": "RMSprop",
            "adam": "Adam",
            "adagrad": "Adagrad",
            "adamw": "AdamW",
            "nadam": "Nadam",
        }.get(optimizer_name, optimizer_name)
    learning_rate = optimizer_config.get("learning_rate")
    if learning_rate is None and callable(optimizer_config_of):
        learning_rate = _mapping(optimizer_config_of()).get("learning_rate")
    problem = ""
    if isinstance(learning_rate, dict):  # a schedule, or a function or object serialised by Keras
        initial = _mapping(learning_rate.get("config")).get("initial_learning_rate")
        if initial is None:
            problem = _serialized_name(learning_rate)
        learning_rate = initial
    elif learning_rate is not None and _rate(learning_rate) is None:
        problem = printable(str(type(learning_rate).__name__))
    loss = config.get("loss")
    loss_config = loss.get("config") if isinstance(loss, dict) else None
    return CompileSettings(
        compiled=True,
        optimizer=None if optimizer_name is None else printable(str(optimizer_name)),
        learning_rate=_rate(learning_rate),
        loss=loss_name(loss),
        metrics=_metric_names(config.get("metrics")),
        optimizer_config=optimizer_config,
        from_logits=bool(isinstance(loss_config, dict) and loss_config.get("from_logits") is True),
        learning_rate_problem=problem,
    )


def _mapping(value: Any) -> dict:
    """``value`` if it is a dict, else an empty one: a learner's config is read, never trusted to be well formed."""
    return value if isinstance(value, dict) else {}


def _serialized_name(tree: dict) -> str:
    """What a serialised Keras object is, as code names it: ``keras.activations.relu``, ``MyRate``."""
    module, name = tree.get("module"), tree.get("config") if isinstance(tree.get("config"), str) else None
    name = name or tree.get("class_name") or "?"
    keras_module = isinstance(module, str) and module.startswith("keras")  # a learner's own function: its name
    shown = f"{module}.{name}" if keras_module else str(name)
    return printable(shown)[:80]


def _rate(value: Any) -> float | None:
    """A learning rate from a compile config as a float (``None`` if it is not a number at all)."""
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def shown_rate(rate: float) -> float:
    """A float32 learning rate as a learner wrote it: 0.001, not 0.0010000000474974513."""
    return float(f"{rate:.7g}") if np.isfinite(rate) else rate


def expect_compiled(
    model: Any,
    call: str,
    *,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    loss: str | None = None,
    metrics: tuple = (),
) -> CompileSettings:
    """Fail with a teaching message unless the compile settings match.

    The learning rate compares at float32 precision (Keras stores it as float32).
    ``from_logits=True`` on an output that already applies softmax/sigmoid fails too.
    """
    settings = compile_settings(model)
    if not settings.compiled:
        fail("model.not_compiled", call=call)
    found: list[tuple[str, dict]] = []  # every setting that differs, so fixing one never reveals the next
    if optimizer is not None and (settings.optimizer or "").lower() != optimizer.lower():
        found.append(("model.wrong_optimizer", {"found": settings.optimizer, "expected": optimizer}))
    if learning_rate is not None and settings.learning_rate_problem:
        found.append(("model.learning_rate_not_number", {"found": settings.learning_rate_problem}))
    elif learning_rate is not None and not (  # "not <=" so that a NaN learning rate fails too
        settings.learning_rate is not None
        and abs(settings.learning_rate - learning_rate) <= 1e-6 * max(1.0, learning_rate) + 1e-9
    ):
        rate = None if settings.learning_rate is None else shown_rate(settings.learning_rate)
        found.append(
            ("model.wrong_learning_rate", {"found": rate, "expected": learning_rate, "optimizer": optimizer or "Adam"})
        )
    if loss is not None and settings.loss != loss:
        advice = loss_advice(model, settings.loss, expected=loss)
        found.append(("model.wrong_loss", {"found": settings.loss, "expected": loss, "advice": advice}))
    if settings.from_logits and (output_activation := _output(model)[0]) in ("softmax", "sigmoid"):
        found.append(("explain.from_logits_probabilities", {"activation": output_activation}))
    for metric in metrics:
        if not settings.has_metric(metric):
            found.append(("model.missing_metric", {"metric": metric, "found": list(settings.metrics)}))
    if len(found) == 1:
        message_id, params = found[0]
        fail(message_id, call=call, **params)
    if found:
        it = message_ref("model.it")  # each finding on its own line, after the call is named once
        fail("model.compile_differs", call=call, problems=[message_ref(i, call=it, **p) for i, p in found])
    return settings


def _output(model: Any) -> tuple[str | None, int | None]:
    """(activation, units) of the model's last layer, a separate activation layer folded in."""
    rows = layer_table(model, merge_activations=True)
    last = rows[-1] if rows else None
    return (last.activation, last.units) if last else (None, None)


def label_format(labels: Any) -> str | None:
    """``"onehot"`` for 2-D 0/1 rows, ``"integer"`` for whole-number class ids, else ``None``."""
    if labels is None:
        return None
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] > 1 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
        return "onehot"
    if (
        (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1))
        and np.issubdtype(y.dtype, np.number)
        and np.all(np.mod(y, 1) == 0)
    ):
        return "integer"
    return None


def loss_advice(model: Any, loss: str | None, labels: Any = None, expected: str | None = None) -> dict | str:
    """Why a loss does not fit the model's output layer (or the ``labels``, or the ``expected`` loss's task).

    A catalogue message (:func:`~grader.messages.message_ref`) to pass as a message's ``advice``;
    ``""`` if the loss fits.
    """
    activation, units = _output(model)
    labels_are = label_format(labels)
    if (
        expected == "binary_crossentropy"
        and loss in ("sparse_categorical_crossentropy", "categorical_crossentropy")
        and activation == "softmax"
        and units
        and units > 1
    ):
        return message_ref("explain.softmax_head_for_binary", units=units, loss=loss)
    if loss == "binary_crossentropy" and activation == "softmax":
        return message_ref("model.advice_softmax_binary" if units == 1 else "explain.softmax_binary_units", units=units)
    if (
        loss in ("sparse_categorical_crossentropy", "categorical_crossentropy")
        and activation == "sigmoid"
        and units == 1
    ):
        return message_ref("model.advice_sigmoid_sparse")
    if loss == "sparse_categorical_crossentropy" and labels_are == "onehot":
        return message_ref("explain.onehot_labels_sparse")
    if loss == "categorical_crossentropy" and labels_are != "onehot":
        return message_ref("model.advice_onehot")
    if loss == "mse" and activation in ("softmax", "sigmoid"):
        return message_ref("model.advice_mse_classifier")
    if expected in REGRESSION_LOSSES and loss in REGRESSION_LOSSES:
        return message_ref("model.advice_other_regression_loss", loss=loss, expected=expected)
    if (
        loss in PROBABILITY_LOSSES
        and activation not in ("softmax", "sigmoid")
        and not compile_settings(model).from_logits
    ):
        shown = activation or message_ref("model.no_activation")
        return message_ref("explain.output_not_probabilities", loss=loss, activation=shown)
    return ""


# ----------------------------------------------------------------------------- training


class TrainingTooSlow(Exception):
    """Raised by :class:`TimeBudget` when training in the checker runs past its budget."""


class TimeBudget(keras.callbacks.Callback):
    """Stop a fit that runs past ``seconds`` (a huge learner model must not stall the grader)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.deadline = 0.0

    def on_train_begin(self, logs: Any = None) -> None:
        self.deadline = time.monotonic() + self.seconds

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if time.monotonic() > self.deadline:
            raise TrainingTooSlow(f"training took longer than {self.seconds:g} s")


def deterministic(seed: int) -> None:
    """Seed Python, numpy and TensorFlow, and make TensorFlow's ops deterministic."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed % 2**31)
    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # pragma: no cover - older TensorFlow
        pass


def train(
    model: Any,
    x: Any,
    y: Any,
    *,
    seed: int,
    epochs: int,
    batch_size: int = 32,
    budget_s: float | None = None,
    **fit_kwargs: Any,
) -> dict:
    """Fit ``model`` in the checker (its own compile settings), seeded; returns ``history.history``.

    Graph mode without XLA (a learner's ``run_eagerly``/``jit_compile`` only
    change speed, not the math), ``verbose=0``, warnings silenced; with
    ``budget_s``, :class:`TrainingTooSlow` once the fit runs past it.
    """
    deterministic(seed)
    if getattr(model, "run_eagerly", False):
        model.run_eagerly = False
    if getattr(model, "jit_compile", False):
        model.jit_compile = False
    _fewer_graph_calls(model, len(x), batch_size)
    _build_before_tracing(model, y)
    callbacks = list(fit_kwargs.pop("callbacks", []) or [])
    if budget_s is not None:
        callbacks.append(TimeBudget(budget_s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(
            x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True, callbacks=callbacks, **fit_kwargs
        )
    return history.history


#: Batches per call into the traced graph when the checker trains: the same steps on the same
#: batches in the same order (the weights come out bit-identical), with a fraction of the per-batch
#: Python overhead, which for the course's small models is most of the cost (digits CNN: 6 epochs
#: 2.9 s -> 1.7 s once traced). Callbacks then see every 16th batch, so a time budget is checked
#: every 16 batches; the trainer's hard deadline still bounds a model whose batches are slow.
STEPS_PER_EXECUTION = 16


def _fewer_graph_calls(model: Any, samples: int, batch_size: int) -> None:
    """Let ``model`` run up to :data:`STEPS_PER_EXECUTION` batches per graph call, but only if this
    process has traced none of its functions yet: one traced for one step per call would be fed
    many steps' worth of batches per call and silently train on fewer of them."""
    traced = ("train_function", "test_function", "predict_function")
    if any(getattr(model, name, None) is not None for name in traced):
        return
    steps_per_epoch = -(-max(int(samples), 1) // max(int(batch_size), 1))
    model.steps_per_execution = max(1, min(STEPS_PER_EXECUTION, steps_per_epoch))


def _build_before_tracing(model: Any, y: Any) -> None:
    """Create the optimizer's slots and the compiled metrics' totals before ``fit`` traces its step.

    Without a distribution strategy Keras 3 creates both inside the first traced train step, and a
    ``tf.function`` that creates variables on its first call is traced a second time (TensorFlow's
    rule): for a digits ConvNet ~0.65 s of CPU per fit, a third of it. Built here, eagerly, with what
    Keras would build them from (the model's trainable variables; one label and an output-shaped
    zero row), they hold the same zeros, and the weights come out bit-identical (measured on the
    reference models). Only for a built model: an unbuilt one creates its weights in the first step,
    and an optimizer built before them would not know them.
    """
    layers = getattr(model, "layers", None) or []
    if not getattr(model, "built", False) or not all(getattr(layer, "built", False) for layer in layers):
        return
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)
    outputs = getattr(model, "outputs", None) or []
    if len(outputs) != 1 or any(size is None for size in outputs[0].shape[1:]):
        return  # Keras builds the metrics in the step, as it would anyway
    try:
        zeros = keras.ops.zeros((1, *outputs[0].shape[1:]), dtype=outputs[0].dtype)
        model.compute_metrics(None, np.asarray(y)[:1], zeros)
        model.reset_metrics()
    except Exception:  # metrics that do not fit these labels: Keras reports that in the step, as it would anyway
        pass


def predict(model: Any, x: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for ``x`` as numpy, by direct calls (no ``predict`` function to trace)."""
    parts = [
        keras.ops.convert_to_numpy(model(x[start : start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts) if parts else np.zeros((0,))


def classes_of(probabilities: Any) -> np.ndarray:
    """Class ids: sigmoid outputs (N,) or (N, 1) at threshold 0.5, softmax outputs by argmax."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        return (probabilities.reshape(len(probabilities), -1)[:, 0] >= 0.5).astype(int)
    return (
        probabilities.reshape(len(probabilities), -1).argmax(axis=-1)
        if probabilities.ndim == 2
        else probabilities.argmax(axis=-1)
    )


def accuracy(model: Any, x: Any, y: Any) -> float:
    """Accuracy of a classifier's predictions (sigmoid: threshold 0.5; softmax: argmax)."""
    predicted = classes_of(predict(model, x))
    y = np.asarray(y).reshape(-1)
    if predicted.shape != y.shape:  # e.g. a model without Flatten: one prediction per row of pixels
        return 0.0
    return float(np.mean(predicted == y))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination: 1 - SSE/SST (1 = perfect, 0 = predicting the mean)."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_pred.shape != y_true.shape:
        return float("-inf")
    return 1.0 - float(np.sum((y_true - y_pred) ** 2)) / float(np.sum((y_true - y_true.mean()) ** 2))


def _error_text(exc: BaseException) -> str:
    """A Keras error without its noise: "Exception encountered when calling Sequential.call()." is
    followed by the useful part (which input shape did not fit) and then the call's arguments."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", printable(str(exc))) if part.strip()]
    kept = [part for part in paragraphs if not part.startswith("Arguments received by")]
    if len(kept) > 1 and kept[0].startswith("Exception encountered when calling"):
        kept = kept[1:]
    return " ".join(" ".join(kept).split())[:400]


def trainer_memory() -> str:
    """The memory a training run may use in the grader, as shown to a learner."""
    from grader.checking.trainer import TRAINER_MEMORY_MB

    return f"{TRAINER_MEMORY_MB / 1024:g} GB"


def dataset_name(data: Any) -> dict:
    """The learner-facing name of a :class:`grader.datasets.Split`, as a catalogue message."""
    return message_ref(f"dataset.{data.name}")


def held_out_score(model: Any, data: Any, *, call: str, **settings: Any) -> float:
    """``model``'s accuracy or R² on ``data``'s held-out part, after ``epochs`` of seeded training on its
    training part, computed by a trainer process (memory cap, hard deadline), never here. ``settings``:
    those of :func:`start_held_out_score` (``seed``, ``epochs``, ``metric``, ``batch_size``, ``budget_s``,
    ``advice``).

    Fails when training runs past ``budget_s``, needs more memory than a training run may use,
    or raises (with ``advice``, the loss/output mismatch that explains it).
    """
    return start_held_out_score(model, data, call=call, **settings).score()


class PendingScore:
    """:func:`held_out_score`, begun (:func:`start_held_out_score`): :meth:`score` waits for it."""

    def __init__(self, pending: Any, *, model: Any, data: Any, call: str, budget_s: float, advice: Any) -> None:
        self._pending = pending
        self._call, self._data, self._budget_s, self._advice = call, data, budget_s, advice
        self._params = model.count_params()

    def score(self) -> float:
        """The held-out score, or the failure that explains why there is none (see :func:`held_out_score`)."""
        outcome = self._pending.outcome()
        call, data_name = self._call, dataset_name(self._data)
        if outcome.failure == "too_slow":
            fail("explain.training_too_slow", call=call, data=data_name, seconds=self._budget_s, params=self._params)
        if outcome.failure in ("out_of_memory", "crashed"):
            fail(
                "model.training_out_of_memory", call=call, data=data_name, params=self._params, memory=trainer_memory()
            )
        if outcome.failure:  # the learner's model cannot be trained as built and compiled
            if self._advice:
                fail("explain.loss_mismatch", call=call, data=data_name, advice=self._advice)
            fail("model.train_failed", data=data_name, error_type=outcome.error_type, error=outcome.error)
        return float(outcome.score)

    def cancel(self) -> None:
        """Stop the trainer: the score will not be asked for."""
        self._pending.cancel()


def start_held_out_score(
    model: Any,
    data: Any,
    *,
    call: str,
    seed: int = 0,
    epochs: int = 0,
    metric: str = "accuracy",
    batch_size: int = 32,
    budget_s: float = 60.0,
    advice: dict | str = "",
) -> PendingScore:
    """:func:`held_out_score`, begun: a trainer trains and scores while the caller goes on."""
    from grader.checking.trainer import start_training

    pending = start_training(
        model, data, seed=seed, epochs=epochs, metric=metric, batch_size=batch_size, budget_s=budget_s
    )
    return PendingScore(pending, model=model, data=data, call=call, budget_s=budget_s, advice=advice)


def fit_and_score(
    model: Any,
    data: Any,
    *,
    seed: int,
    epochs: int,
    call: str,
    threshold: float,
    metric: str = "accuracy",
    max_params: int = 2_000_000,
    budget_s: float = 60.0,
    batch_size: int = 32,
) -> float:
    """Train ``model`` here on ``data.x_train``/``y_train`` (seeded) and score it on the held-out part.

    ``metric`` is ``"accuracy"`` or ``"r2"``. Fails with the reason that
    matters: not compiled, too big to train here, a loss that does not fit the
    output layer or the labels (named, e.g. softmax + binary_crossentropy),
    training that raises or runs past ``budget_s``, or a score below ``threshold``.
    Returns the score.
    """
    if not getattr(model, "compiled", False):
        fail("model.not_compiled", call=call)
    if model.count_params() > max_params:
        fail("explain.model_too_big", call=call, found=model.count_params(), limit=max_params)
    settings = compile_settings(model)
    if settings.learning_rate_problem:  # Keras would call it with no argument, or not at all: no training run
        fail("model.learning_rate_not_number", call=call, found=settings.learning_rate_problem)
    advice = loss_advice(model, settings.loss, data.y_train) if metric == "accuracy" else ""
    data_name = dataset_name(data)
    output_shape = tuple(model.outputs[0].shape[1:]) if getattr(model, "outputs", None) else ()
    if len(output_shape) > 1 and np.asarray(data.y_train).ndim == 1:
        fail("explain.output_not_flat", call=call, shape=output_shape)
    pending = start_held_out_score(
        model,
        data,
        call=call,
        seed=seed,
        epochs=epochs,
        metric=metric,
        batch_size=batch_size,
        budget_s=budget_s,
        advice=advice,
    )

    def verdict() -> float:
        score = pending.score()
        _expect_learned(
            score, threshold, metric=metric, call=call, data_name=data_name, epochs=epochs, seed=seed, advice=advice
        )
        return score

    # In a check marked trains=True the verdict comes after the exercise's other checks, which run while
    # the trainer works (grader.checking.deferred); anywhere else, now.
    return finish_later(verdict, pending.cancel)


def _expect_learned(
    score: float, threshold: float, *, metric: str, call: str, data_name: Any, epochs: int, seed: int, advice: Any
) -> None:
    """The verdict on a held-out score, for a loaded model and a subclassed one alike: a loss that does not
    fit the output explains a low score; otherwise the score and the threshold it missed."""
    if np.isfinite(score) and score >= threshold:
        return
    if advice:
        fail("explain.loss_mismatch", call=call, data=data_name, advice=advice)
    fail(
        "model.too_weak_r2" if metric == "r2" else "model.too_weak_accuracy",
        data=data_name,
        epochs=epochs,
        seed=seed,
        found=round(score, 3) if np.isfinite(score) else str(score),
        expected=threshold,
    )


def record_for_plot(
    model: Any, data: Any, *, seed: int, epochs: int, batch_size: int = 32, metric: str = "accuracy"
) -> bool:
    """Offer ``model`` (compiled, loaded here in safe mode) and ``data`` for ``--plot``'s learning curve, as if
    the checks had trained it: an exercise's ``plot.py`` calls this when its checks train no model.
    Trains nothing; ``False`` when no plot was asked for or a fit is already kept."""
    from grader.checking.trainer import archive_bytes, current_recorder

    recorder = current_recorder()
    if recorder is None or epochs <= 0:
        return False
    if not getattr(model, "compiled", False):
        fail("model.not_compiled", call=getattr(model, "name", "model"))
    name = str(getattr(model, "name", "") or "")
    settings = {"seed": seed, "epochs": epochs, "batch_size": batch_size, "metric": metric}
    return recorder.offer(archive_bytes(model), data, model_name=name, **settings) is not None


def record_history_for_plot(
    loss: Any, val_loss: Any, data: Any, *, seed: int, epochs: int, batch_size: int = 32, model_name: str = ""
) -> bool:
    """Offer a fit the learner's own code ran (in the worker) for ``--plot``: its per-epoch ``loss`` and
    ``val_loss`` are drawn as they are (non-finite values left out), beside the reference solution's run of
    the same check. ``data`` names the data (a :class:`grader.datasets.Split`); ``seed``, ``epochs`` and
    ``batch_size`` say which fit this is. Trains nothing; ``False`` when no plot was asked for or a fit is
    already kept."""
    from grader.checking.trainer import CurveOutcome, current_recorder

    recorder = current_recorder()
    if recorder is None:
        return False
    curve = CurveOutcome(loss=tuple(map(finite_or_none, loss)), val_loss=tuple(map(finite_or_none, val_loss)))
    settings = {"seed": seed, "epochs": epochs, "batch_size": batch_size, "model_name": model_name}
    return recorder.offer(b"", data, curve=curve, **settings) is not None


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, ``None`` if it is not finite (a curve's point as JSON can hold it)."""
    number = float(value)
    return number if math.isfinite(number) else None


# ----------------------------------------------------------------------------- subclassed models

#: A subclassed model's table has no per-layer output shapes (only the worker's call() knows them);
#: its outputs are compared instead (:func:`expect_subclass_layers`).
SUBCLASS_FIELDS = tuple(f for f in ROW_FIELDS if f != "output_shape")
#: What a subclass's layers must share with the contract's before its trained weights can go into the
#: contract's model built here (its activations are taken over: the layer check judges them).
SHAPE_FIELDS = ("kind", "units", "kernel", "padding")


def is_subclassed(value: Any) -> bool:
    """Whether a learner function returned a ``keras.Model`` of the learner's own class (which safe mode
    cannot rebuild here: it arrives as an :class:`~grader.sandbox.protocol.Opaque`)."""
    from grader.sandbox.keras_codec import SUBCLASSED_MODEL

    return isinstance(value, Opaque) and value.reason == SUBCLASSED_MODEL


@dataclass(frozen=True)
class SubclassedModel:
    """What the worker reported about a subclassed model (:func:`grader.sandbox.probes.subclassed_model`).

    :func:`layer_table`, :func:`compile_settings`, :func:`loss_advice` and :func:`expect_compiled` read it
    as they read a loaded model: its rows, and its compile settings from the same plain data."""

    class_name: str
    rows: list
    weights: list
    outputs: Any
    x_probe: Any
    settings: CompileSettings = field(default_factory=lambda: CompileSettings(compiled=False))
    applied: tuple | None = None  # positions of the layers call() applied, in order (None: not reported)

    def count_params(self) -> int:
        return sum(int(w.size) for w in self.weights)


def _reported_rows(rows: Any) -> list[Row]:
    """The worker's per-layer records as :class:`Row` s (its config in ``extra``, as a loaded layer's)."""
    return [
        Row(
            kind=str(r["kind"])[:80],
            units=None if r.get("units") is None else int(r["units"]),
            activation=None if r.get("activation") is None else str(r["activation"])[:80],
            kernel=None if r.get("kernel") is None else tuple(int(k) for k in r["kernel"]),
            padding=None if r.get("padding") is None else str(r["padding"])[:20],
            params=int(r["params"]),
            extra=_mapping(r.get("config")),
        )
        for r in rows[:1000]
    ]


def subclassed_report(
    learner: Any, function: str, args: list, kwargs: dict, call: str, x_probe: Any
) -> SubclassedModel:
    """Have the worker build the learner's subclassed model (``function(*args, **kwargs)``), run it on
    ``x_probe`` and report its layers, weights, outputs and compile settings; a report that is not what the
    probe sends (the worker is the learner's) is a failed check."""
    report = learner.probe("subclassed_model", function, list(args), dict(kwargs), x_probe, _shown=call)
    try:
        rows = _reported_rows(report["rows"])
        weights = [np.asarray(w, dtype=np.float64) for w in report["weights"][:1000]]
        outputs = np.asarray(report["outputs"], dtype=np.float64)
        compiled = report.get("compile")
        settings = (
            settings_from_config(compiled.get("config"), lambda: compiled.get("optimizer"))
            if isinstance(compiled, dict)
            else CompileSettings(compiled=False)
        )
        applied = report.get("applied")
        applied = None if applied is None else tuple(int(i) for i in applied[:10_000])
        return SubclassedModel(
            str(report.get("class_name", ""))[:80], rows, weights, outputs, x_probe, settings, applied
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        fail("model.subclass_unreadable", call=call)


def _with_weights(model: Any, weights: list, outputs: Any, x_probe: Any, call: str, class_name: str):
    """``model`` (built here) given the learner's ``weights``; fails unless it computes the ``outputs`` the
    learner's ``call()`` gave for ``x_probe``."""
    from grader.checking.api import close

    if [tuple(np.shape(w)) for w in weights] != [tuple(w.shape) for w in model.get_weights()]:
        fail("model.subclass_call_differs", call=call, class_name=class_name)
    model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    if not close(outputs, predict(model, np.asarray(x_probe, dtype=np.float32)), atol=1e-4, rtol=1e-4):
        fail("model.subclass_call_differs", call=call, class_name=class_name)
    return model


def _reference_with_weights(reference: Any, weights: list, outputs: Any, x_probe: Any, call: str, class_name: str):
    """``reference`` (the contract's model, built here) given the learner's ``weights`` (see :func:`_with_weights`)."""
    return _with_weights(keras.models.clone_model(reference), weights, outputs, x_probe, call, class_name)


def _keras_activation(name: Any) -> bool:
    """Whether ``name`` is one of Keras's own activations (the only ones the grader builds a layer with)."""
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not name.startswith("_")
        and name not in ("get", "serialize", "deserialize")
        and callable(getattr(keras.activations, name, None))
    )


def contract_model(reference: Any, rows: list[Row], call: str, class_name: str) -> Any:
    """The contract's model (``reference``, built here) with the activations of the learner's subclass
    (``rows``, a separate activation layer folded in): the model its trained weights go into. Its layers
    must be the contract's in kind, units, kernel and padding, else its learning cannot be judged here
    (failed with the reason); a wrong activation costs the layer check, not this one."""
    found, expected = _fold_activations(rows), layer_table(reference)
    if compare_tables(expected, found, SHAPE_FIELDS) is not None:
        fail("model.subclass_not_contract", call=call, class_name=class_name)
    config = reference.get_config()
    layers = [c for c in config.get("layers", []) if c.get("class_name") != "InputLayer"]
    changed = False
    for layer, row, want in zip(layers, found, expected):
        if row.activation != want.activation and "activation" in layer.get("config", {}):
            if _keras_activation(row.activation):
                layer["config"]["activation"] = row.activation
                changed = True
    return keras.Sequential.from_config(config) if changed else keras.models.clone_model(reference)


def _fold_activations(rows: list[Row]) -> list[Row]:
    """A subclass's rows with a separate activation layer folded into the layer before (:func:`layer_table`)."""
    return layer_table(SubclassedModel("", rows, [], None, None), merge_activations=True)


def expect_subclass_layers(report: SubclassedModel, reference: Any, call: str) -> None:
    """Fail unless the subclassed model's layers are ``reference``'s (a Keras model built here), in order,
    and its ``call()`` computes what they do: ``reference`` given the learner's weights must produce the
    outputs the worker reported for the grader's inputs (a layer declared but skipped, or applied out of
    order, does not). A separate activation layer counts as its layer's activation, as in a loaded model."""
    expect_same_rows(layer_table(report, merge_activations=True), layer_table(reference), call, SUBCLASS_FIELDS)
    _reference_with_weights(reference, report.weights, report.outputs, report.x_probe, call, report.class_name)


def expect_subclass_applies_its_layers(report: SubclassedModel, call: str) -> None:
    """Fail unless the subclass's ``call()`` applied each layer it declares once, in the order it declares
    them (as the worker traced it): the only evidence for a layer that changes nothing at inference, such
    as Dropout, where comparing outputs cannot tell."""
    declared = tuple(range(len(report.rows)))
    if report.applied != declared:
        applied = set(report.applied or ())
        skipped = [row.kind for index, row in enumerate(report.rows) if index not in applied]
        if skipped:
            fail("model.subclass_skips_layers", call=call, class_name=report.class_name, layers=", ".join(skipped[:10]))
        fail("model.subclass_call_differs", call=call, class_name=report.class_name)


def rows_no_dataset_holds(x_train: Any, seed: int, count: int = 64) -> np.ndarray:
    """Inputs no dataset holds (a blend of two training rows plus noise, any input shape): what a subclassed
    model's trained outputs are compared on; held-out rows never reach the worker."""
    rng = np.random.default_rng(seed)
    x_train = np.asarray(x_train, dtype=np.float32)
    first, second = rng.integers(0, len(x_train), size=(2, count))
    blend = rng.uniform(0.0, 1.0, size=(count,) + (1,) * (x_train.ndim - 1))
    rows = blend * x_train[first] + (1 - blend) * x_train[second]
    return (rows + rng.normal(0.0, 0.1, size=rows.shape)).astype(np.float32)


def subclassed_held_out_score(
    learner: Any,
    function: str,
    args: list,
    kwargs: dict,
    data: Any,
    reference: Any,
    x_probe: Any,
    *,
    call: str,
    seed: int,
    epochs: int,
    learning_rate: float = 0.001,
    loss: str = "",
    from_logits: bool = False,
    own_compile: bool = False,
    metric: str = "accuracy",
    batch_size: int = 32,
    class_name: str = "",
) -> float:
    """The held-out score of the learner's subclassed model, trained where its class exists: in the worker,
    seeded, on the training rows only, compiled with the grader's Adam at ``learning_rate`` and ``loss``
    (its ``from_logits`` kept), or with ``own_compile`` as the learner compiled it. Its trained weights come
    back and go into the contract's model built here (:func:`contract_model`), which must compute what the
    learner's ``call()`` computed on ``x_probe`` (rows no dataset holds); that model is scored here on the
    held-out rows, which never reach the worker."""
    from grader.checking.api import as_array

    settings = {
        "seed": seed,
        "epochs": epochs,
        "learning_rate": learning_rate,
        "loss": loss,
        "from_logits": bool(from_logits),
        "own_compile": bool(own_compile),
        "batch_size": batch_size,
    }
    shown = {"x_train": data.x_train, "y_train": data.y_train, "x_probe": x_probe}
    report = learner.probe("subclassed_fit", function, list(args), dict(kwargs), shown, settings, _shown=call)
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in report["weights"][:1000]]
        outputs = np.asarray(report["outputs"], dtype=np.float64)
        rows = _reported_rows(report["rows"]) if "rows" in report else layer_table(reference)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        fail("model.subclass_unreadable", call=call)
    as_array(outputs, call)
    model = _with_weights(
        contract_model(reference, rows, call, class_name), weights, outputs, x_probe, call, class_name
    )
    found = predict(model, data.x_test)
    if metric == "r2":
        return r2_score(data.y_test, found)
    predicted = classes_of(found)
    y = np.asarray(data.y_test).reshape(-1)
    return float(np.mean(predicted == y)) if predicted.shape == y.shape else 0.0


def subclassed_fit_and_score(
    learner: Any,
    function: str,
    args: list,
    kwargs: dict,
    data: Any,
    reference: Any,
    *,
    call: str,
    seed: int,
    epochs: int,
    threshold: float,
    report: SubclassedModel,
    grader_compile: dict | None = None,
    metric: str = "accuracy",
    max_params: int = 2_000_000,
    batch_size: int = 32,
) -> float:
    """:func:`fit_and_score` for a subclassed model (``report``, from :func:`subclassed_report`): judged
    the same way (compiled, not too big, a loss that fits its output and the labels, a score over
    ``threshold`` on held-out rows), trained where its class exists (:func:`subclassed_held_out_score`)
    with its own compile settings, or with ``grader_compile`` (``learning_rate``, ``loss``, ``from_logits``).
    Returns the score."""
    settings = report.settings
    if grader_compile is not None:
        settings = CompileSettings(
            compiled=True,
            optimizer="Adam",
            learning_rate=float(grader_compile["learning_rate"]),
            loss=str(grader_compile["loss"]),
            from_logits=bool(grader_compile.get("from_logits")),
        )
    if not settings.compiled:
        fail("model.not_compiled", call=call)
    if report.count_params() > max_params:
        fail("explain.model_too_big", call=call, found=report.count_params(), limit=max_params)
    if settings.learning_rate_problem:
        fail("model.learning_rate_not_number", call=call, found=settings.learning_rate_problem)
    judged = replace(report, settings=settings)
    advice = loss_advice(judged, settings.loss, data.y_train) if metric == "accuracy" else ""
    data_name = dataset_name(data)
    output_shape = tuple(np.shape(report.outputs)[1:])
    if len(output_shape) > 1 and np.asarray(data.y_train).ndim == 1:
        fail("explain.output_not_flat", call=call, shape=output_shape)
    try:
        score = subclassed_held_out_score(
            learner,
            function,
            args,
            kwargs,
            data,
            reference,
            rows_no_dataset_holds(data.x_train, seed),
            call=call,
            seed=seed,
            epochs=epochs,
            learning_rate=settings.learning_rate or 0.001,
            loss=settings.loss or "",
            from_logits=settings.from_logits,
            own_compile=grader_compile is None,
            metric=metric,
            batch_size=batch_size,
            class_name=report.class_name,
        )
    except LearnerRaised:
        if advice:  # as a loaded model's training would: the loss that does not fit explains the error
            fail("explain.loss_mismatch", call=call, data=data_name, advice=advice)
        raise
    _expect_learned(
        score, threshold, metric=metric, call=call, data_name=data_name, epochs=epochs, seed=seed, advice=advice
    )
    return score
