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
