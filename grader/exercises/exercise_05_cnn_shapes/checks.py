"""Hidden checks for exercise 05: Conv2D / pooling / Flatten / Dense shape arithmetic.

Expected shapes come from the formulas below; the project's tests prove they
equal Keras's ``compute_output_shape`` on many random layers, so grading needs
no TensorFlow.
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import LearnerRaised, as_array, as_int, as_tuple_of_ints, check, expect, fail, message_ref, preview

# ----------------------------------------------------------------------------- the math


def conv_size(size: int, kernel: int, strides: int = 1, padding: str = "valid") -> int:
    if padding == "same":
        return math.ceil(size / strides)
    return (size - kernel) // strides + 1


def pool_size_out(size: int, pool: int = 2, strides: int | None = None, padding: str = "valid") -> int:
    return conv_size(size, pool, pool if strides is None else strides, padding)


def pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def stack_shapes(input_shape: tuple, layers: list[dict]) -> list[tuple[int, ...]] | None:
    """Every layer's output shape, or None if a dimension falls below 1."""
    shape = tuple(input_shape)
    shapes = []
    for layer in layers:
        kind = layer["type"]
        if kind == "conv2d":
            (kh, kw), (sh, sw) = pair(layer["kernel_size"]), pair(layer.get("strides", 1))
            padding = layer.get("padding", "valid")
            shape = (conv_size(shape[0], kh, sh, padding), conv_size(shape[1], kw, sw, padding), layer["filters"])
        elif kind == "maxpool2d":
            (ph, pw) = pair(layer.get("pool_size", 2))
            (sh, sw) = pair(layer.get("strides") or (ph, pw))
            padding = layer.get("padding", "valid")
            shape = (conv_size(shape[0], ph, sh, padding), conv_size(shape[1], pw, sw, padding), shape[2])
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "dense":
            shape = shape[:-1] + (layer["units"],)
        if min(shape) < 1:
            return None
        shapes.append(shape)
    return shapes


COURSE_CONVNET = [
    {"type": "conv2d", "filters": 32, "kernel_size": 3, "strides": 1, "padding": "same"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "conv2d", "filters": 64, "kernel_size": 3, "strides": 1, "padding": "same"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 128},
    {"type": "dense", "units": 10},
]


def random_stack(rng, *, rectangular: bool = False) -> tuple[tuple[int, int, int], list[dict]]:
    """A random conv/pool stack, then Flatten and Dense layers, whose shapes all stay >= 1."""
    while True:
        height = int(rng.integers(12, 80))
        width = int(rng.integers(12, 80)) if rectangular else height
        input_shape = (height, width, int(rng.integers(1, 4)))
        layers: list[dict] = []
        for _ in range(int(rng.integers(1, 4))):
            kernel = int(rng.integers(1, 6))
            stride = int(rng.choice([1, 1, 2, 3]))
            conv = {
                "type": "conv2d",
                "filters": int(rng.integers(1, 65)),
                "padding": str(rng.choice(["valid", "same"])),
            }
            if rectangular:
                conv["kernel_size"] = (kernel, int(rng.integers(1, 6)))
                conv["strides"] = (stride, int(rng.choice([1, 2])))
            else:
                conv["kernel_size"] = kernel
                conv["strides"] = stride
            layers.append(conv)
            pool = {
                "type": "maxpool2d",
                "pool_size": (2, int(rng.integers(1, 4))) if rectangular else int(rng.choice([2, 2, 3])),
            }
            if rng.random() < 0.3:
                pool["strides"] = int(rng.integers(1, 3))
                pool["padding"] = str(rng.choice(["valid", "same"]))
            layers.append(pool)
        layers.append({"type": "flatten"})
        for _ in range(int(rng.integers(1, 3))):
            layers.append({"type": "dense", "units": int(rng.integers(1, 257))})
        if stack_shapes(input_shape, layers) is not None:
            return input_shape, layers


# ----------------------------------------------------------------------------- conv / pool sizes


def _conv(learner, size: int, kernel: int, strides: int, padding: str) -> None:
    call = f"conv_output_size({size}, {kernel}, strides={strides}, padding={padding!r})"
    found = as_int(learner.conv_output_size(size, kernel, strides=strides, padding=padding), call)
    expected = conv_size(size, kernel, strides, padding)
    if found == expected:
        return
    params = dict(call=call, found=found, expected=expected, n=size, k=kernel, s=strides)
    if padding == "valid":
        if found == (size - kernel) // strides:
            fail("valid_missing_plus_one", **params)
        if strides > 1 and found == size - kernel + 1:
            fail("strides_ignored", **params)
        fail("valid_wrong", **params)
    if strides > 1 and found == size:
        fail("strides_ignored", **params)
    if found == size // strides:
        fail("same_floor", **params)
    fail("same_wrong", **params)


@check(points=2)
def test_conv_valid_stride_1(learner, rng):
    for _ in range(20):
        kernel = int(rng.integers(1, 12))
        _conv(learner, int(rng.integers(kernel, 300)), kernel, 1, "valid")


@check(points=2)
def test_conv_valid_strided(learner, rng):
    for _ in range(20):
        kernel = int(rng.integers(1, 12))
        _conv(learner, int(rng.integers(kernel, 300)), kernel, int(rng.integers(2, 6)), "valid")


@check(points=1)
def test_conv_same_stride_1(learner, rng):
    for _ in range(15):
        _conv(learner, int(rng.integers(1, 300)), int(rng.integers(1, 12)), 1, "same")


@check(points=2)
def test_conv_same_strided(learner, rng):
    for _ in range(20):
        strides = int(rng.integers(2, 6))
        size = int(rng.integers(1, 100)) * strides + int(rng.integers(1, strides))  # never a multiple
        _conv(learner, size, int(rng.integers(1, 12)), strides, "same")


@check(points=1)
def test_course_examples(learner):
    cases = [
        ("conv_output_size", (28, 3), {"padding": "same"}, 28),
        ("conv_output_size", (28, 3), {}, 26),
        ("pool_output_size", (28,), {}, 14),
        ("pool_output_size", (7,), {}, 3),
    ]
    for name, args, kwargs, expected in cases:
        call = f"{name}({', '.join(map(str, args))}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
        found = as_int(learner.call(name, *args, **kwargs), call)
        expect(found == expected, "course_example", call=call, found=found, expected=expected)


@check(points=2)
def test_pool_default_strides(learner, rng):
    for _ in range(20):
        pool = int(rng.integers(2, 5))
        size = int(rng.integers(pool, 200))
        call = f"pool_output_size({size}, {pool})"
        found = as_int(learner.pool_output_size(size, pool), call)
        expected = pool_size_out(size, pool)
        if found != expected and found == conv_size(size, pool, 1):
            fail("pool_default_strides", call=call, found=found, expected=expected, pool=pool)
        expect(found == expected, "pool_wrong", call=call, found=found, expected=expected)


@check(points=2)
def test_pool_strides_and_padding(learner, rng):
    for _ in range(20):
        pool = int(rng.integers(2, 5))
        strides = int(rng.integers(1, 4))
        padding = str(rng.choice(["valid", "same"]))
        size = int(rng.integers(pool, 200))
        call = f"pool_output_size({size}, {pool}, strides={strides}, padding={padding!r})"
        found = as_int(learner.pool_output_size(size, pool, strides=strides, padding=padding), call)
        expected = pool_size_out(size, pool, strides, padding)
        expect(found == expected, "pool_wrong", call=call, found=found, expected=expected)


# ----------------------------------------------------------------------------- to_4d


@check(points=2)
def test_to_4d_adds_channel_axis(learner, rng):
    for dtype in ("uint8", "float32"):
        n, height, width = (int(v) for v in rng.integers(1, 30, size=3))
        images = (rng.random((n, height, width)) * 255).astype(dtype)
        call = f"to_4d(<array of shape {images.shape}, {dtype}>)"
        found = as_array(learner.to_4d(images), call)
        expect(
            found.shape == (n, height, width, 1),
            "to_4d_shape",
            call=call,
            found=found.shape,
            expected=(n, height, width, 1),
        )
        expect(np.array_equal(found[..., 0], images), "to_4d_values", call=call)


@check(points=1)
def test_to_4d_keeps_4d(learner, rng):
    n, height, width, channels = (int(v) for v in rng.integers(1, 20, size=4))
    images = rng.random((n, height, width, channels)).astype("float32")
    call = f"to_4d(<array of shape {images.shape}>)"
    found = as_array(learner.to_4d(images), call)
    expect(found.shape == images.shape, "to_4d_keep", call=call, found=found.shape, expected=images.shape)
    expect(np.array_equal(found, images), "to_4d_values", call=call)


# ----------------------------------------------------------------------------- output_shapes


def _shapes(learner, input_shape: tuple, layers: list[dict]) -> None:
    call = f"output_shapes({input_shape}, <{len(layers)} layers>)"
    value = learner.output_shapes(input_shape, layers)
    if not isinstance(value, (list, tuple)):
        fail(
            "engine.wrong_type",
            call=call,
            found_type=type(value).__name__,
            found=value,
            expected_type=message_ref("type.list_of_shapes"),
        )
    expected = stack_shapes(input_shape, layers)
    found = [as_tuple_of_ints(v, call) for v in value]
    if len(found) != len(expected):
        fail("shapes_length", call=call, found=len(found), expected=len(expected))
    for index, (got, want) in enumerate(zip(found, expected)):
        if got != want:
            fail(
                "shapes_layer",
                call=call,
                index=index + 1,
                layer=_describe(layers[index]),
                found=got,
                expected=want,
                before=input_shape if index == 0 else expected[index - 1],
            )


def _describe(layer: dict) -> str:
    return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in layer.items()) + "}"


@check(points=2)
def test_output_shapes_course_convnet(learner):
    _shapes(learner, (28, 28, 1), COURSE_CONVNET)


@check(points=3)
def test_output_shapes_random_stacks(learner, rng):
    for _ in range(10):
        _shapes(learner, *random_stack(rng))


@check(points=2)
def test_output_shapes_rectangular(learner, rng):
    for _ in range(10):
        _shapes(learner, *random_stack(rng, rectangular=True))


@check(points=2)
def test_output_shapes_too_small(learner, rng):
    for _ in range(3):
        size = int(rng.integers(4, 9))
        layers = [
            {"type": "conv2d", "filters": 8, "kernel_size": 3, "padding": "valid"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "conv2d", "filters": 8, "kernel_size": int(rng.integers(5, 8)), "padding": "valid"},
            {"type": "flatten"},
        ]
        kernel = layers[2]["kernel_size"]
        call = f"output_shapes({(size, size, 1)}, <conv 3x3 valid, pool 2, conv {kernel}x{kernel} valid, flatten>)"
        try:
            found = learner.output_shapes((size, size, 1), layers)
        except LearnerRaised as raised:
            if raised.params.get("error_type") != "ValueError":
                fail(
                    "too_small_wrong_error",
                    call=call,
                    error_type=raised.params.get("error_type"),
                    error=raised.params.get("error"),
                )
            continue
        fail(
            "engine.expected_error",
            call=call,
            found=preview(found),
            error_type="ValueError",
            reason=message_ref("impossible_stack_reason"),
        )
