"""What check authors use: the ``@check`` marker, failures with message ids, type guards.

A check is a pytest test function in ``grader/exercises/<exercise>/checks.py``::

    from grader.checking import check, expect, as_int

    @check(points=2)
    def test_dense_params_with_bias(learner, rng):
        for _ in range(20):
            n, units = int(rng.integers(1, 1000)), int(rng.integers(1, 500))
            found = as_int(learner.dense_params(n, units), f"dense_params({n}, {units})")
            expect(found == n * units + units, "bias_missing", n=n, units=units, found=found)

Fixtures (from :mod:`grader.checking.plugin`): ``learner`` calls the submission's
functions in the worker; ``rng`` is a ``numpy.random.Generator`` seeded from the
exercise, the check name and the run's seed, so a grade is reproducible.

A check fails by raising :class:`CheckFailed` (via :func:`fail`/:func:`expect`);
its message id is looked up in the exercise's catalogue, then the engine's.
Plain ``assert`` works too, but its text is not translated.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

import pytest

from grader.messages import MESSAGE_REF_KEY, MessageRef, message_ref
from grader.sandbox.protocol import Opaque, preview

CHECK_MARKER = "check(points, timeout=None): a graded check worth `points`"  # registered by every pytest run


def check(points: int, *, timeout: float | None = None) -> pytest.MarkDecorator:
    """Mark a test function as a graded check worth ``points``.

    ``timeout`` overrides the exercise's per-call time limit for this check.
    """
    if not isinstance(points, int) or points < 0:
        raise ValueError("points must be a non-negative int")
    return pytest.mark.check(points=points, timeout=timeout)


def _safe(value: Any) -> Any:
    """Message parameters as JSON-safe, short values (numpy shown as plain lists/numbers)."""
    import sys

    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, (numpy.ndarray, numpy.generic)):
        value = value.tolist()
        if isinstance(value, list):
            return preview(value)
    if value is None:
        return None
    if isinstance(
        value, MessageRef
    ):  # made by the grader (a learner's dict is shown as data): kept, its parameters made safe
        return message_ref(
            value[MESSAGE_REF_KEY], **{key: _safe(inner) for key, inner in value.get("params", {}).items()}
        )
    if isinstance(value, (bool, int, str)) and not (isinstance(value, str) and len(value) > 2000):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    return preview(value)


class CheckFailed(AssertionError):
    """A check's verdict: the learner's answer is wrong, with a catalogue message id."""

    def __init__(self, message_id: str, **params: Any) -> None:
        self.message_id = message_id
        self.params = {key: _safe(value) for key, value in params.items()}
        super().__init__(f"{message_id} {self.params}")


def fail(message_id: str, **params: Any) -> NoReturn:
    """Fail the check with the catalogue message ``message_id`` formatted with ``params``."""
    raise CheckFailed(message_id, **params)


def expect(condition: Any, message_id: str, **params: Any) -> None:
    """Fail with ``message_id`` unless ``condition`` holds."""
    if not condition:
        fail(message_id, **params)


def type_name(value: Any) -> str:
    """The learner-facing name of a value's type (``int``, ``numpy.ndarray``, ``list``)."""
    if isinstance(value, Opaque):
        return value.type_name
    kind = type(value)
    module = kind.__module__
    if module in ("builtins", None):
        return kind.__name__
    return f"{module.split('.')[0]}.{kind.__name__}"


def as_int(value: Any, call: str) -> int:
    """``value`` as a Python int, or fail: ints and numpy integers pass, floats and bools do not."""
    import numpy as np

    if isinstance(value, bool) or isinstance(value, np.bool_):
        fail(
            "engine.wrong_type",
            call=call,
            found_type=type_name(value),
            found=value,
            expected_type="a whole number (int)",
        )
    if isinstance(value, (int, np.integer)):
        return int(value)
    fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type="a whole number (int)")


def as_number(value: Any, call: str, expected_type: str = "a number") -> float:
    """``value`` as a float: Python and numpy ints and floats (and 0-d arrays) pass, bools and others fail."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type=expected_type)
    return float(value)


def as_tuple_of_ints(value: Any, call: str) -> tuple[int, ...]:
    """A shape-like answer: a tuple or list of whole numbers."""
    if not isinstance(value, (tuple, list)):
        fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type="a tuple of ints")
    return tuple(as_int(v, call) for v in value)


def as_array(value: Any, call: str, *, shape: tuple | None = None, dtype: Any = None) -> Any:
    """``value`` as a numpy array with the expected shape (and dtype kind), or fail."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type="a numpy array")
    if shape is not None and tuple(value.shape) != tuple(shape):
        fail("engine.wrong_shape", call=call, found=tuple(value.shape), expected=tuple(shape))
    if dtype is not None and value.dtype != np.dtype(dtype):
        fail(
            "engine.wrong_type",
            call=call,
            found_type=f"an array of dtype {value.dtype}",
            found=preview(value, 80),
            expected_type=f"dtype {np.dtype(dtype).name}",
        )
    return value
