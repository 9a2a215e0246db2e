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
from typing import TYPE_CHECKING, Any, NoReturn

from grader.messages import MESSAGE_REF_KEY, MessageRef, message_ref
from grader.sandbox.protocol import DatasetSample, KerasObjectSpec, ModelFile, Opaque, preview, printable

if TYPE_CHECKING:
    import pytest

CHECK_MARKER = (
    "check(points, timeout=None, trains=False): a graded check worth `points`"  # registered by every pytest run
)


def check(points: int, *, timeout: float | None = None, trains: bool = False) -> pytest.MarkDecorator:
    """Mark a test function as a graded check worth ``points``.

    ``timeout`` overrides the exercise's per-call time limit for this check. ``trains=True``: the check
    ends with :func:`~grader.checking.models.fit_and_score` (its last statement, on every path that
    trains); it runs before the others, and its model trains while they run, its verdict given after
    them (:mod:`grader.checking.deferred`). Code after that call would never run: leave it ``False``.
    """
    if not isinstance(points, int) or points < 0:
        raise ValueError("points must be a non-negative int")
    import pytest  # here, not at the top: the engine imports this package before its worker starts

    return pytest.mark.check(points=points, timeout=timeout, trains=bool(trains))


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
    if isinstance(value, list) and value and all(isinstance(item, MessageRef) for item in value):
        return [_safe(item) for item in value]  # several grader-made findings, rendered one per line
    if isinstance(value, str):
        return printable(value) if len(value) <= 2000 else preview(value)
    if isinstance(value, (list, tuple)):
        return preview(_abbreviated(value))
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else _big_int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    return preview(value)


def _big_int(value: int) -> str:
    """A huge int in scientific notation (``1.000000e+400``): its full decimal text can be thousands of
    digits, and Python refuses to write one past 4,300 digits."""
    exponent = max(int(value.bit_length() * 0.30102999566398) - 17, 0)
    head = str(abs(value) // 10**exponent)
    return f"{'-' if value < 0 else ''}{head[0]}.{head[1:7]}e+{exponent + len(head) - 1}"


def _abbreviated(value: Any, depth: int = 0) -> Any:
    """A (nested) list (its first 100 items) for a message, a huge int among them as :func:`_big_int`'s text."""
    if isinstance(value, (list, tuple)) and depth < 8:
        items = [_abbreviated(item, depth + 1) for item in value[:100]]  # preview shows fewer than 100
        return type(value)(items) if len(value) <= 100 else [*items, _Shown("...")]
    if type(value) is int and not -(2**63) <= value < 2**63:
        return _Shown(_big_int(value))
    return value


class _Shown(str):
    """Text shown as it is inside a list's repr (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


class CheckFailed(AssertionError):
    """A check's verdict: the learner's answer is wrong, with a catalogue message id."""

    def __init__(self, message_id: str, /, **params: Any) -> None:
        self.message_id = message_id
        self.params = {key: _safe(value) for key, value in params.items()}
        super().__init__(f"{message_id} {self.params}")


def fail(message_id: str, /, **params: Any) -> NoReturn:
    """Fail the check with the catalogue message ``message_id`` formatted with ``params``."""
    raise CheckFailed(message_id, **params)


def expect(condition: Any, message_id: str, /, **params: Any) -> None:
    """Fail with ``message_id`` unless ``condition`` holds."""
    if not condition:
        fail(message_id, **params)


def same(found: Any, expected: Any) -> bool:
    """Whether the learner's ``found`` is the grader's ``expected``: the same kind of value, and equal.

    Never raises and never asks a learner value for its truth: a string equals only a string, a
    number only a number (NaN never), None only None, a tuple or list only a sequence of equal
    items, an array only an array of the same shape and values. So ``np.array(["mse"])`` is not
    ``"mse"`` and a list is never put in a set.
    """
    import numpy as np

    try:
        if expected is None:
            return found is None
        if isinstance(expected, (bool, np.bool_)):
            return isinstance(found, (bool, np.bool_)) and bool(found) == bool(expected)
        if isinstance(expected, str):
            return isinstance(found, str) and found == expected
        if isinstance(expected, (int, float, np.integer, np.floating)):
            numeric = isinstance(found, (int, float, np.integer, np.floating)) and not isinstance(
                found, (bool, np.bool_)
            )
            return numeric and bool(float(found) == float(expected))
        if isinstance(expected, (tuple, list)):
            return (
                isinstance(found, (tuple, list))
                and len(found) == len(expected)
                and all(same(a, b) for a, b in zip(found, expected))
            )
        if isinstance(expected, np.ndarray):
            return (
                isinstance(found, np.ndarray)
                and found.shape == expected.shape
                and bool(np.array_equal(found, expected))
            )
    except Exception:  # an overflow, an odd dtype: not the expected value
        return False
    return False


def type_name(value: Any) -> str:
    """The learner-facing name of a value's type, as code reads in any language (``int``,
    ``numpy.ndarray``, ``list``, ``keras.Model (Sequential)``)."""
    if isinstance(value, Opaque):
        return printable(value.type_name)
    # values that crossed from the worker are named by what the learner returned, never by our wrapper
    if isinstance(value, KerasObjectSpec):
        return printable(f"{(value.module or 'keras').split('.')[0]}.{value.class_name}")
    if isinstance(value, ModelFile):
        return printable(f"keras.Model ({value.class_name})")
    if isinstance(value, DatasetSample):
        return "tf.data.Dataset"
    kind = type(value)
    module = kind.__module__
    if module in ("builtins", None):
        return kind.__name__
    return f"{module.split('.')[0]}.{kind.__name__}"


def wrong_type(value: Any, call: str, expected: str | MessageRef, *, found_type: Any = None) -> NoReturn:
    """Fail with "``call`` returned <its type> <value>; expected <expected>": ``expected`` a message id
    (or a :func:`message_ref`) naming the type wanted, so the sentence reads in the learner's language."""
    shown = message_ref(expected) if isinstance(expected, str) else expected
    fail("engine.wrong_type", call=call, found_type=found_type or type_name(value), found=value, expected_type=shown)


def as_int(value: Any, call: str) -> int:
    """``value`` as a Python int, or fail: ints and numpy integers pass, floats and bools do not."""
    import numpy as np

    if isinstance(value, bool) or isinstance(value, np.bool_):
        wrong_type(value, call, "type.int")
    if isinstance(value, (int, np.integer)):
        return int(value)
    wrong_type(value, call, "type.int")


def as_number(value: Any, call: str, expected_type: MessageRef | None = None) -> float:
    """``value`` as a float: Python and numpy ints and floats (and 0-d arrays) pass, bools and others fail.
    ``expected_type``: what to call a number in the failure (a :func:`message_ref`; default "a number")."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        expected_type = expected_type or message_ref("type.number")
        fail("engine.wrong_type", call=call, found_type=type_name(value), found=value, expected_type=expected_type)
    try:
        return float(value)
    except (OverflowError, ValueError):  # an int with hundreds of digits
        fail("engine.too_large", call=call, found=value)


def as_tuple_of_ints(value: Any, call: str) -> tuple[int, ...]:
    """A shape-like answer: a tuple or list of whole numbers."""
    if not isinstance(value, (tuple, list)):
        wrong_type(value, call, "type.tuple_of_ints")
    return tuple(as_int(v, call) for v in value)


def _array_of_numbers(value: list | tuple, call: str) -> Any:
    """A learner's (nested) list as a numpy array of numbers; or fail, never raise: a ragged or mixed list
    fails as a wrong type, a list holding an int too large for a float (``[10**400] * n``) as too large.
    Ints past int64 that a float holds become floats (numpy would make an array of objects of them)."""
    import numpy as np

    try:
        array = np.asarray(value)
        if array.dtype.hasobject and _numbers_only(value):
            array = np.asarray(value, dtype=float)
    except OverflowError:
        fail("engine.too_large", call=call, found=value)
    except (ValueError, TypeError, RecursionError, MemoryError):  # ragged, mixed, or too deep
        wrong_type(value, call, "type.numpy_array_of_numbers")
    if array.dtype.kind not in NUMERIC_KINDS:
        wrong_type(value, call, "type.numpy_array_of_numbers")
    return array


def _numbers_only(value: Any, depth: int = 0) -> bool:
    """Whether a nested list holds only Python ints and floats (no bool, no str, no object)."""
    if isinstance(value, (list, tuple)):
        return depth < 64 and all(_numbers_only(item, depth + 1) for item in value)
    return type(value) in (int, float)


NUMERIC_KINDS = "biuf"  # numpy dtype kinds of bool, int, unsigned and float arrays
ANY_KIND = "biufcmMOSUV"  # every dtype kind: for a check that names a wrong dtype in its own words


def as_array(
    value: Any,
    call: str,
    *,
    shape: tuple | None = None,
    dtype: Any = None,
    kinds: str = NUMERIC_KINDS,
    lists: bool = False,
) -> Any:
    """``value`` as a numpy array of one of the dtype ``kinds`` (numbers by default), the expected
    ``shape`` and ``dtype``, or fail. An array of strings, bytes, objects, dates or complex numbers
    of the right shape fails here, with its dtype named, before any arithmetic sees it.

    ``lists=True`` also accepts a list or tuple of numbers, for behaviour checks whose meaning
    does not depend on the container (the type requirement then costs only its own check)."""
    import numpy as np

    if lists and isinstance(value, (list, tuple)):
        value = _array_of_numbers(value, call)
    if not isinstance(value, np.ndarray):
        wrong_type(value, call, "type.numpy_array")
    if value.dtype.kind not in kinds:
        fail(
            "engine.wrong_type",
            call=call,
            found_type=message_ref("type.array_of_dtype", dtype=str(value.dtype)),
            found=preview(value, 80),
            expected_type=message_ref("type.numeric_array")
            if kinds == NUMERIC_KINDS
            else message_ref("type.array_of_kinds", kinds=repr(kinds)),
        )
    if shape is not None and tuple(value.shape) != tuple(shape):
        fail("engine.wrong_shape", call=call, found=tuple(value.shape), expected=tuple(shape))
    if dtype is not None and value.dtype != np.dtype(dtype):
        fail(
            "engine.wrong_type",
            call=call,
            found_type=message_ref("type.array_of_dtype", dtype=str(value.dtype)),
            found=preview(value, 80),
            expected_type=message_ref("type.dtype", dtype=np.dtype(dtype).name),
        )
    return value


#: Multiples of float32's machine epsilon a float32 answer may be off by, relative to the size of the numbers
#: it was computed from. Measured: Keras's own Normalization layer stays within 0.75 of them on exercise 01's
#: columns (offsets near 100, spreads down to 0.01), 30 seeds; a factor of 4 leaves room for other orders of sums.
FLOAT32_ROUNDING = 4.0


def close(found: Any, expected: Any, *, atol: float, rtol: float, magnitude: Any = None) -> bool:
    """Whether the learner's array ``found`` equals ``expected`` (computed here in float64) element by element.

    The tolerance follows the precision the learner's dtype allows: ``atol + rtol * |expected|`` for a float64
    answer (and integers); an answer held in float32, which a contract that does not demand float64 allows, is
    also granted float32's rounding of the numbers it was computed from: ``FLOAT32_ROUNDING * eps32 *
    (|expected| + magnitude)``, where ``magnitude`` (broadcastable to ``expected``) is the size of those
    numbers in the answer's units, e.g. ``(|x| + |mean|) / std`` for a standardised ``x`` (float32 rounds
    ``x`` itself before the subtraction cancels it). A contract that fixes a dtype checks it in its own check.
    Shapes must agree, and every element of ``found`` be finite where ``expected`` is.
    """
    import numpy as np

    found_array = np.asarray(found)
    if found_array.shape != np.shape(expected) or found_array.dtype.kind not in "biuf":
        return False
    values = found_array.astype(np.float64)
    wanted = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(values) | ~np.isfinite(wanted)):
        return False
    tolerance = atol + rtol * np.abs(wanted)
    if found_array.dtype == np.float32:
        size = np.abs(wanted) if magnitude is None else np.abs(wanted) + np.abs(np.asarray(magnitude, dtype=np.float64))
        tolerance = tolerance + FLOAT32_ROUNDING * float(np.finfo(np.float32).eps) * size
    with np.errstate(invalid="ignore"):
        return bool(np.all((np.abs(values - wanted) <= tolerance) | (values == wanted)))
