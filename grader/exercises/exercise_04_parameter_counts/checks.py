"""Hidden checks for exercise 04: counting weights and biases.

Expected values come from the math (weights per connection plus one bias per
neuron or filter); the project's tests prove that math equals Keras's own
``count_params()`` on many random layers, so grading needs no TensorFlow.
"""

from __future__ import annotations

from grader.checking import as_int, as_tuple_of_ints, check, expect, fail


def expected_dense(n_inputs: int, units: int, use_bias: bool = True) -> int:
    return n_inputs * units + (units if use_bias else 0)


def expected_conv(kernel_h: int, kernel_w: int, in_channels: int, filters: int, use_bias: bool = True) -> int:
    return (kernel_h * kernel_w * in_channels + (1 if use_bias else 0)) * filters


def _dense(learner, n: int, units: int, **kwargs) -> None:
    call = f"dense_params({n}, {units}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
    found = as_int(learner.dense_params(n, units, **kwargs), call)
    use_bias = kwargs.get("use_bias", True)
    expected = expected_dense(n, units, use_bias)
    if found == expected:
        return
    if use_bias and found == n * units:
        fail("dense_bias_missing", call=call, found=found, expected=expected, n=n, units=units)
    if not use_bias and found == n * units + units:
        fail("dense_bias_ignored", call=call, found=found, expected=expected)
    fail(
        "dense_wrong" if use_bias else "dense_wrong_no_bias",
        call=call,
        found=found,
        expected=expected,
        n=n,
        units=units,
    )


@check(points=3)
def test_dense_with_bias(learner, rng):
    for _ in range(25):
        _dense(learner, int(rng.integers(1, 2000)), int(rng.integers(1, 600)))


@check(points=1)
def test_dense_without_bias(learner, rng):
    for _ in range(10):
        _dense(learner, int(rng.integers(1, 2000)), int(rng.integers(1, 600)), use_bias=False)


@check(points=1)
def test_course_examples(learner):
    for (n, units), expected in {(784, 100): 78500, (100, 10): 1010}.items():
        found = as_int(learner.dense_params(n, units), f"dense_params({n}, {units})")
        expect(found == expected, "course_example", call=f"dense_params({n}, {units})", found=found, expected=expected)
    found = as_int(learner.mlp_params(784, [300, 100, 10]), "mlp_params(784, [300, 100, 10])")
    expect(found == 266610, "course_example", call="mlp_params(784, [300, 100, 10])", found=found, expected=266610)


@check(points=3)
def test_mlp_random_stacks(learner, rng):
    for _ in range(15):
        n_inputs = int(rng.integers(1, 1000))
        units = [int(u) for u in rng.integers(1, 400, size=int(rng.integers(1, 6)))]
        call = f"mlp_params({n_inputs}, {units})"
        found = as_int(learner.mlp_params(n_inputs, units), call)
        sizes = [n_inputs, *units]
        expected = sum(expected_dense(a, b) for a, b in zip(sizes, sizes[1:]))
        if found == expected:
            continue
        if found == sum(n_inputs * u + u for u in units) and len(units) > 1:
            fail("mlp_same_inputs", call=call, found=found, expected=expected)
        if found == sum(a * b for a, b in zip(sizes, sizes[1:])):
            fail("mlp_bias_missing", call=call, found=found, expected=expected)
        fail("mlp_wrong", call=call, found=found, expected=expected)


def _conv(learner, kernel, in_channels: int, filters: int, **kwargs) -> None:
    call = f"conv2d_params({kernel}, {in_channels}, {filters}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
    found = as_int(learner.conv2d_params(kernel, in_channels, filters, **kwargs), call)
    kernel_h, kernel_w = (kernel, kernel) if isinstance(kernel, int) else kernel
    use_bias = kwargs.get("use_bias", True)
    expected = expected_conv(kernel_h, kernel_w, in_channels, filters, use_bias)
    if found == expected:
        return
    if use_bias and found == kernel_h * kernel_w * in_channels * filters:
        fail("conv_bias_missing", call=call, found=found, expected=expected, filters=filters)
    if found == (kernel_h * kernel_w + (1 if use_bias else 0)) * filters and in_channels > 1:
        fail("conv_channels_missing", call=call, found=found, expected=expected, in_channels=in_channels)
    if not use_bias and found == expected_conv(kernel_h, kernel_w, in_channels, filters, True):
        fail("conv_bias_ignored", call=call, found=found, expected=expected)
    fail(
        "conv_wrong",
        call=call,
        found=found,
        expected=expected,
        kh=kernel_h,
        kw=kernel_w,
        in_channels=in_channels,
        filters=filters,
    )


@check(points=2)
def test_conv2d_square_kernel(learner, rng):
    for _ in range(20):
        _conv(learner, int(rng.choice([1, 3, 5, 7])), int(rng.integers(1, 129)), int(rng.integers(1, 257)))


@check(points=2)
def test_conv2d_rectangular_kernel(learner, rng):
    for _ in range(15):
        kernel = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
        while kernel[0] == kernel[1]:
            kernel = (kernel[0], int(rng.integers(1, 8)))
        _conv(learner, kernel, int(rng.integers(1, 65)), int(rng.integers(1, 129)))


@check(points=1)
def test_conv2d_without_bias(learner, rng):
    for _ in range(10):
        _conv(learner, int(rng.choice([1, 3, 5])), int(rng.integers(1, 65)), int(rng.integers(1, 129)), use_bias=False)


@check(points=2)
def test_batchnorm(learner, rng):
    for channels in [int(c) for c in rng.integers(1, 1025, size=10)]:
        call = f"batchnorm_params({channels})"
        value = learner.batchnorm_params(channels)
        if not isinstance(value, (tuple, list)):
            fail("batchnorm_not_tuple", call=call, found=value, channels=channels)
        found = as_tuple_of_ints(value, call)
        expect(
            found == (2 * channels, 2 * channels),
            "batchnorm_wrong",
            call=call,
            found=found,
            expected=(2 * channels, 2 * channels),
        )


@check(points=1)
def test_layers_without_weights(learner):
    for name in ("flatten_params", "pooling_params"):
        found = as_int(learner.call(name), f"{name}()")
        expect(found == 0, "no_weights", call=f"{name}()", found=found)
