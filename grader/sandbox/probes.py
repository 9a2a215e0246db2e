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
