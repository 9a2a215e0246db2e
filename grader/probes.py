"""Grader-owned code that runs *inside the worker*, next to the learner's module.

A probe observes the worker's state after the learner's code ran (for example:
"after your set_seed(7), do two fresh Keras models get the same weights?").
It is called as ``probe(module, *args)`` through the ``probe`` op and replies
with data only. The worker is untrusted, so a probe's answer is evidence about
the learner's code, never a verdict by itself.

Only functions decorated with :func:`probe` can be called.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable


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

    Two calls with the same seed must give identical draws if set_seed works.
    """
    import random
    import sys

    module.set_seed(seed)
    draws: dict = {"python": [random.random() for _ in range(3)]}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        draws["numpy"] = numpy.random.rand(3).tolist()
    if "tensorflow" in sys.modules or "keras" in sys.modules:
        import keras

        tensorflow = sys.modules.get("tensorflow")
        if tensorflow is not None:
            draws["tensorflow"] = tensorflow.random.uniform((3,)).numpy().tolist()
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        draws["keras_init"] = keras.ops.convert_to_numpy(layer.kernel).ravel().tolist()
    return draws
