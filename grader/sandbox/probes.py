"""Grader-owned code that runs *inside the worker*, next to the learner's module.

A probe observes the worker's state after the learner's code ran (for example:
"after your set_seed(7), do two fresh Keras models get the same weights?").
It is called as ``probe(module, *args)`` through the ``probe`` op and replies
with data only. The worker is untrusted, so a probe's answer is evidence about
the learner's code, never a verdict by itself.

Only functions decorated with :func:`probe` can be called.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any


def probe(function: Callable[..., Any]) -> Callable[..., Any]:
    """Allow the worker's ``probe`` op to call ``function``."""
    function.is_probe = True  # type: ignore[attr-defined]
    return function


@probe
def defined_names(module: ModuleType) -> list[str]:
    """The public names the learner's module defines (a smoke test for the probe op)."""
    return sorted(name for name in vars(module) if not name.startswith("_"))


@probe
def random_draws_after_set_seed(module: ModuleType, seed: int) -> dict:
    """Call the learner's ``set_seed(seed)``, then draw from every random source a course uses.

    Returns lists of floats under "python" (``random.random``), "numpy" (the
    legacy global ``np.random``), "tensorflow" (``tf.random.uniform``) and
    "keras_init" (the initial weights of a small fresh Keras model). Two calls
    with the same seed must give identical draws if set_seed works; the check
    compares them in the grading process.
    """
    import random

    import keras
    import numpy
    import tensorflow

    module.set_seed(seed)
    draws: dict = {"python": [random.random() for _ in range(3)]}
    draws["numpy"] = numpy.random.rand(3).tolist()
    draws["tensorflow"] = tensorflow.random.uniform((3,)).numpy().tolist()
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    draws["keras_init"] = [float(v) for weights in model.get_weights() for v in numpy.ravel(weights)]
    return draws


def _own_model(module: ModuleType, function: str, args: list, kwargs: dict) -> Any:
    """The model the learner's ``function`` returns, if it is a ``keras.Model`` of the learner's own class
    (a subclass safe mode cannot rebuild in the grader); ``TypeError`` otherwise."""
    import keras

    model = getattr(module, function)(*args, **kwargs)
    if not isinstance(model, keras.Model) or type(model).__module__.startswith("keras"):
        raise TypeError(f"{function} did not return a subclassed keras.Model")
    return model


#: The most layers a subclassed model's report describes (a model of more is judged by its first ones).
MAX_REPORTED_LAYERS = 1000


def _layer_rows(model: Any) -> list[dict]:
    """Each layer the model tracks, in order, as the grader's layer table describes a loaded one: class,
    units, activation, kernel, padding, parameters, and its whole config as plain data (regularisers,
    Dropout's rate, BatchNormalization's settings: whatever a loaded model's table shows)."""
    from grader.sandbox.keras_codec import _jsonable

    rows = []
    for layer in model.layers[:MAX_REPORTED_LAYERS]:
        config = layer.get_config()
        activation = config.get("activation")
        if isinstance(activation, dict):
            activation = (activation.get("config") or {}).get("name") or activation.get("config")
        rows.append(
            {
                "kind": type(layer).__name__,
                "units": config.get("units", config.get("filters")),
                "activation": None if activation is None else str(activation),
                "kernel": config.get("kernel_size") or config.get("pool_size"),
                "padding": config.get("padding") if isinstance(config.get("padding"), str) else None,
                "params": int(layer.count_params()) if layer.built else 0,
                "config": _jsonable(config),
            }
        )
    return rows


def _compile_report(model: Any) -> dict | None:
    """The model's compile settings as plain data, the same shape a loaded model gives the grader:
    ``get_compile_config()`` and the optimizer's ``get_config()`` (``None``: never compiled)."""
    from grader.sandbox.keras_codec import _jsonable

    if not getattr(model, "compiled", False):
        return None
    report: dict = {"config": {}, "optimizer": {}}
    try:
        report["config"] = _jsonable(model.get_compile_config() or {})
    except Exception:  # a loss or metric of the learner's own that cannot describe itself: read as missing
        pass
    try:
        report["optimizer"] = _jsonable(model.optimizer.get_config())
    except Exception:
        pass
    return report


@probe
def subclassed_model(module: ModuleType, function: str, args: list, kwargs: dict, x_probe: Any) -> dict:
    """Call the learner's ``function(*args, **kwargs)``, which returns a subclassed ``keras.Model``, on
    ``x_probe`` (the grader's random inputs) and report what the grader cannot rebuild: its layers in the
    order it tracks them (:func:`_layer_rows`), its weights in ``get_weights()`` order, its outputs for
    ``x_probe`` and its compile settings (:func:`_compile_report`). The grader compares the table with the
    contract's, and the outputs with its own Sequential of that table given these weights: a ``call()``
    that does not apply the layers it declares, in order, does not match."""
    import numpy

    model = _own_model(module, function, args, kwargs)
    outputs = numpy.asarray(model(numpy.asarray(x_probe), training=False))
    return {
        "class_name": type(model).__name__,
        "rows": _layer_rows(model),
        "weights": [numpy.asarray(w) for w in model.get_weights()],
        "outputs": outputs,
        "compile": _compile_report(model),
        "applied": _applied_layers(model, numpy.asarray(x_probe)),
    }


def _applied_layers(model: Any, x: Any) -> list[int]:
    """The positions (in ``model.layers``) of the layers the model's ``call()`` applies to ``x``, in the order
    it applies them: a Dropout at inference returns its input unchanged, so only this shows whether call()
    uses it. Each layer's ``call`` is wrapped for one call of the model, then restored."""
    order: list[int] = []
    layers = list(model.layers[:MAX_REPORTED_LAYERS])
    originals = [layer.call for layer in layers]

    def traced(index: int, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            order.append(index)
            return original(*args, **kwargs)

        return call

    try:
        for index, layer in enumerate(layers):
            layer.call = traced(index, originals[index])
        model(x, training=False)
    finally:
        for layer, original in zip(layers, originals):
            layer.call = original
    return order


#: Losses a subclass is compiled with when the grader's settings keep the learner's ``from_logits``.
_LOSS_CLASSES = {
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
}


@probe
def subclassed_fit(
    module: ModuleType,
    function: str,
    args: list,
    kwargs: dict,
    data: dict,
    settings: dict,
) -> dict:
    """Build the learner's subclassed model, fit it seeded on ``data["x_train"]``/``data["y_train"]``, and
    report its trained weights and its outputs for ``data["x_probe"]`` (rows no dataset holds). It is
    compiled with the grader's ``settings`` (optimizer Adam at ``learning_rate``, ``loss``, its
    ``from_logits``), or, with ``settings["own_compile"]``, keeps the learner's own compile settings. The
    grader puts the weights in its own model of the same layers, checks it computes those outputs, and
    scores that model on held-out rows that never reach the worker."""
    import keras
    import numpy

    keras.utils.set_random_seed(int(settings["seed"]) % 2**31)
    model = _own_model(module, function, args, kwargs)
    if not settings.get("own_compile"):
        loss: Any = settings["loss"]
        if settings.get("from_logits") and loss in _LOSS_CLASSES:
            loss = getattr(keras.losses, _LOSS_CLASSES[loss])(from_logits=True)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=float(settings["learning_rate"])), loss=loss)
    model.fit(
        numpy.asarray(data["x_train"]),
        numpy.asarray(data["y_train"]),
        epochs=int(settings["epochs"]),
        batch_size=int(settings["batch_size"]),
        shuffle=True,
        verbose=0,
    )
    outputs = numpy.asarray(model(numpy.asarray(data["x_probe"]), training=False))
    return {"weights": [numpy.asarray(w) for w in model.get_weights()], "outputs": outputs, "rows": _layer_rows(model)}


@probe
def new_folder(module: ModuleType, name: str) -> str:
    """Make the folder ``name`` (a plain name) in the worker's current folder, for a learner function that
    saves into a folder it is given (exercise 16's ``save_and_reload``); returns the name."""
    import os

    name = os.path.basename(str(name))
    os.makedirs(name, exist_ok=True)
    return name


@probe
def saved_file(module: ModuleType, folder: str, name: str) -> dict:
    """Is ``folder/name`` a file, and is it a zip archive (what a ``.keras`` file is)? With the names of
    the first files in ``folder``, so a check can say where the model went instead."""
    import os
    import zipfile

    path = os.path.join(str(folder), str(name))
    exists = os.path.isfile(path)
    try:
        files = sorted(os.listdir(str(folder)))[:5]
    except OSError:
        files = []
    return {"exists": exists, "zip": exists and zipfile.is_zipfile(path), "files": files}
