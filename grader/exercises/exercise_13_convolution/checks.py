"""Hidden checks for exercise 13: a convolution and max/average pooling computed by hand.

The expected maps come from the numpy computation below (zero padding as
TensorFlow places it, windows from ``sliding_window_view``, sums by ``einsum``);
the project's tests prove it equals Keras ``Conv2D`` / ``MaxPooling2D`` /
``AveragePooling2D`` with set weights, so grading needs no TensorFlow.

Each mistake shows only on telling inputs, drawn on purpose: asymmetric kernels
(a flipped kernel), nonzero biases (a missing bias), odd total "same" padding
(the odd cell at the top/left), windows that do not tile the map (a partial
window kept) and negative maps (padded cells counted as 0 in "same" max pooling).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.checking import as_array, check, expect, fail, preview

TOLERANCE = 1e-4

# ----------------------------------------------------------------------------- the math


def pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


def same_pads(n: int, k: int, s: int, *, odd_first: bool = False) -> tuple[int, int]:
    """TensorFlow's 'same' padding of one axis: (before, after); the odd cell after (or before, a mistake)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    small, large = total // 2, total - total // 2
    return (large, small) if odd_first else (small, large)


def padded(x: np.ndarray, window: tuple[int, int], steps: tuple[int, int], padding: str, *, fill=0.0, odd_first=False):
    """``x`` (H, W, C) padded as ``padding`` asks."""
    if padding == "valid":
        return x
    pads = [same_pads(x.shape[a], window[a], steps[a], odd_first=odd_first) for a in (0, 1)]
    return np.pad(x, (*pads, (0, 0)), constant_values=fill)


def windows(x: np.ndarray, window: tuple[int, int], steps: tuple[int, int]) -> np.ndarray:
    """Every window of ``x`` (H, W, C) at the strides: (H', W', C, kh, kw)."""
    return sliding_window_view(x, window, axis=(0, 1))[:: steps[0], :: steps[1]]


def convolve(image, kernel, bias=0.0, strides=1, padding="valid", *, flip=False, odd_first=False) -> np.ndarray:
    """Keras's Conv2D (a cross-correlation) in float64; ``flip``/``odd_first`` give two classic mistakes."""
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    single = image.ndim == 2
    if single:
        image, kernel = image[..., None], kernel[..., None, None]
    if flip:
        kernel = kernel[::-1, ::-1]
    window, steps = kernel.shape[:2], pair(strides)
    x = padded(image, window, steps, padding, odd_first=odd_first)
    out = np.einsum("ijcab,abco->ijo", windows(x, window, steps), kernel) + np.asarray(bias, float)
    return out[..., 0] if single else out


def pool(fmap, pool_size=2, strides=None, padding="valid", *, kind="max", partial=False, zeros=False) -> np.ndarray:
    """Keras's MaxPooling2D / AveragePooling2D in float64. ``partial`` keeps the last partial window
    (valid), ``zeros`` counts 'same' padding as zeros: two classic mistakes."""
    fmap = np.asarray(fmap, float)
    single = fmap.ndim == 2
    if single:
        fmap = fmap[..., None]
    window = pair(pool_size)
    steps = window if strides is None else pair(strides)
    if partial:  # pad with NaN so that every partly filled window exists, then ignore the NaN
        extra = [(-(fmap.shape[a] - window[a]) % steps[a]) for a in (0, 1)]
        x = np.pad(fmap, ((0, extra[0]), (0, extra[1]), (0, 0)), constant_values=np.nan)
    else:
        x = padded(fmap, window, steps, padding, fill=0.0 if zeros else np.nan)
    cells = windows(x, window, steps)
    out = np.nanmax(cells, axis=(3, 4)) if kind == "max" else np.nanmean(cells, axis=(3, 4))
    return out[..., 0] if single else out


def output_size(n: int, k: int, s: int, padding: str) -> int:
    """Exercise 05's arithmetic."""
    return math.ceil(n / s) if padding == "same" else (n - k) // s + 1


# ----------------------------------------------------------------------------- comparing


def _shown(value) -> object:
    return value if isinstance(value, int) else tuple(value)


def _first_difference(found: np.ndarray, expected: np.ndarray) -> tuple[tuple[int, ...], float, float]:
    bad = np.argwhere(~np.isclose(found, expected, rtol=TOLERANCE, atol=TOLERANCE))
    where = tuple(int(v) for v in bad[0]) if len(bad) else ()
    return where, round(float(found[where]), 4), round(float(expected[where]), 4)


def _close(found: np.ndarray, expected: np.ndarray) -> bool:
    return found.shape == expected.shape and np.allclose(found, expected, rtol=TOLERANCE, atol=TOLERANCE)


def _answer(value, call: str) -> np.ndarray:
    return as_array(value, call).astype(np.float64)


def _check_conv(learner, image, kernel, bias=0.0, strides=1, padding="valid") -> None:
    kwargs = {"bias": bias, "strides": strides, "padding": padding}
    bias_shown = round(float(bias), 3) if np.isscalar(bias) else f"<{len(bias)} biases>"
    call = (
        f"conv2d(<image {image.shape}>, <kernel {kernel.shape}>, bias={bias_shown}, "
        f"strides={_shown(strides)}, padding={padding!r})"
    )
    found = _answer(learner.conv2d(image, kernel, **kwargs), call)
    expected = convolve(image, kernel, **kwargs)
    if _close(found, expected):
        return
    steps = pair(strides)
    if found.shape != expected.shape:
        params = dict(call=call, found=tuple(found.shape), expected=tuple(expected.shape))
        if max(steps) > 1 and found.shape == convolve(image, kernel, bias, 1, padding).shape:
            fail("conv_strides_ignored", **params, strides=_shown(strides))
        if padding == "same" and found.shape == convolve(image, kernel, bias, strides, "valid").shape:
            fail("conv_same_not_padded", **params)
        fail("conv_shape", **params)
    where, got, want = _first_difference(found, expected)
    params = dict(call=call, where=where, found=got, expected=want)
    if _close(found, convolve(image, kernel, **kwargs, flip=True)):
        fail("flipped_kernel", **params)
    if np.any(np.asarray(bias) != 0) and _close(found, convolve(image, kernel, 0.0, strides, padding)):
        fail("bias_missing", **params, bias=bias_shown)
    if padding == "same" and _close(found, convolve(image, kernel, **kwargs, odd_first=True)):
        fail("same_padding_top_left", **params)
    fail("conv_values", **params)


def _check_pool(learner, name, fmap, pool_size=2, strides=None, padding=None) -> None:
    kind = "max" if name == "max_pool2d" else "average"
    kwargs: dict = {"pool_size": pool_size}
    if strides is not None:
        kwargs["strides"] = strides
    if padding is not None:
        kwargs["padding"] = padding
    shown = ", ".join(f"{k}={_shown(v) if k != 'padding' else repr(v)}" for k, v in kwargs.items())
    call = f"{name}(<map {fmap.shape}>, {shown})"
    found = _answer(learner.call(name, fmap, **kwargs), call)
    expected = pool(fmap, pool_size, strides, padding or "valid", kind=kind)
    if _close(found, expected):
        return
    if found.shape != expected.shape:
        params = dict(call=call, found=tuple(found.shape), expected=tuple(expected.shape))
        if (padding or "valid") == "valid" and found.shape == pool(
            fmap, pool_size, strides, kind=kind, partial=True
        ).shape:
            fail("pool_partial_window", **params)
        if strides is None and found.shape == pool(fmap, pool_size, 1, kind=kind).shape:
            fail("pool_default_strides", **params, pool=_shown(pool_size))
        fail("pool_shape", **params)
    where, got, want = _first_difference(found, expected)
    params = dict(call=call, where=where, found=got, expected=want)
    if padding == "same" and _close(found, pool(fmap, pool_size, strides, "same", kind=kind, zeros=True)):
        fail("same_pool_zeros", **params)
    fail("pool_values", **params, function=name)


# ----------------------------------------------------------------------------- drawing telling inputs


def asymmetric_kernel(rng, shape: tuple[int, ...]) -> np.ndarray:
    """A random kernel that differs from its flip (so a flipped kernel always shows); at least 2 cells wide."""
    assert shape[0] * shape[1] > 1, shape
    while True:
        kernel = rng.normal(size=shape).round(2)
        if not np.allclose(kernel, kernel[::-1, ::-1]):
            return kernel


def odd_same_case(rng, *, strides_up_to: int = 3) -> tuple[int, int, int]:
    """(n, k, s) whose 'same' total padding is odd: the odd cell's side shows."""
    while True:
        k, s = int(rng.integers(2, 6)), int(rng.integers(1, strides_up_to + 1))
        n = int(rng.integers(max(k, 4), 20))
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        if total % 2 == 1:
            return n, k, s


def non_tiling(rng, window: int, step: int) -> int:
    """A size whose windows do not tile it: (n - window) % step != 0, so a partial window is left."""
    while True:
        n = int(rng.integers(window + 1, 22))
        if (n - window) % step:
            return n


def image(rng, shape: tuple[int, ...]) -> np.ndarray:
    return rng.normal(size=shape).round(3)


# ----------------------------------------------------------------------------- conv2d


@check(points=1)
def test_course_edge_filter(learner):
    picture = np.tile(np.array([10, 10, 10, 0, 0, 0], dtype=float), (6, 1))
    edge = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)
    call = "conv2d(<6 rows of [10, 10, 10, 0, 0, 0]>, [[1, 0, -1], [1, 0, -1], [1, 0, -1]])"
    found = _answer(learner.conv2d(picture, edge), call)
    expected = convolve(picture, edge)  # 4 rows of [0, 30, 30, 0]
    if _close(found, expected):
        return
    if _close(found, -expected):
        fail("course_example_flipped", call=call, found=preview(found.tolist()))
    fail("course_example", call=call, found=preview(found.tolist()), expected=expected.tolist())


@check(points=2)
def test_single_filter_valid(learner, rng):
    for _ in range(4):
        kh, kw = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        picture = image(rng, (int(rng.integers(kh, 16)), int(rng.integers(kw, 16))))
        _check_conv(learner, picture, asymmetric_kernel(rng, (kh, kw)), bias=round(float(rng.normal()), 2) or 0.5)


@check(points=2)
def test_channels_and_filters(learner, rng):
    for _ in range(3):
        k, c_in, c_out = int(rng.choice([2, 3, 5])), int(rng.integers(1, 4)), int(rng.integers(2, 5))
        picture = image(rng, (int(rng.integers(k, 14)), int(rng.integers(k, 14)), c_in))
        bias = rng.normal(size=c_out).round(2) + 0.1
        _check_conv(learner, picture, asymmetric_kernel(rng, (k, k, c_in, c_out)), bias=bias)


@check(points=2)
def test_strides(learner, rng):
    for strides in (int(rng.integers(2, 4)), (int(rng.integers(1, 3)), int(rng.integers(2, 4))), (3, 1)):
        kh, kw = int(rng.integers(2, 4)), int(rng.integers(1, 4))
        steps = pair(strides)
        size = (
            non_tiling(rng, kh, steps[0]) if steps[0] > 1 else 9,
            non_tiling(rng, kw, steps[1]) if steps[1] > 1 else 8,
        )
        picture = image(rng, (*size, 2))
        _check_conv(learner, picture, asymmetric_kernel(rng, (kh, kw, 2, 2)), strides=strides)


@check(points=3)
def test_same_padding(learner, rng):
    for index in range(4):
        n, k, s = odd_same_case(rng)
        m, j, t = odd_same_case(rng, strides_up_to=1 if index < 2 else 3)
        if index % 2 == 0:
            picture, kernel = image(rng, (n, m)), asymmetric_kernel(rng, (k, j))
        else:
            picture, kernel = image(rng, (n, m, 2)), asymmetric_kernel(rng, (k, j, 2, 3))
        _check_conv(learner, picture, kernel, strides=(s, t) if s != t else s, padding="same")


@check(points=1)
def test_float32_and_inputs_kept(learner, rng):
    picture = image(rng, (7, 6, 2))
    kernel = asymmetric_kernel(rng, (3, 3, 2, 2))
    call = f"conv2d(<image {picture.shape}, float64>, <kernel {kernel.shape}>, padding='same')"
    found, (image_after, kernel_after) = learner.call("conv2d", picture, kernel, padding="same", _echo_args=True)
    found = as_array(found, call)
    expect(found.dtype == np.float32, "conv_dtype", call=call, found=str(found.dtype))
    expect(
        np.array_equal(np.asarray(image_after), picture) and np.array_equal(np.asarray(kernel_after), kernel),
        "modified_in_place",
        call=call,
    )


# ----------------------------------------------------------------------------- pooling


@check(points=2)
def test_max_pool_valid(learner, rng):
    for channels in (None, 3):
        p = int(rng.integers(2, 4))
        size = (non_tiling(rng, p, p), non_tiling(rng, p, p))
        fmap = image(rng, size if channels is None else (*size, channels))
        _check_pool(learner, "max_pool2d", fmap, p)
    fmap = image(rng, (non_tiling(rng, 3, 2), 9, 2))
    _check_pool(learner, "max_pool2d", fmap, (3, 2), strides=(2, 1))


@check(points=2)
def test_max_pool_same(learner, rng):
    for channels in (None, 2, 1):
        n, p, s = odd_same_case(rng)
        m = non_tiling(rng, p, s) if s > 1 else int(rng.integers(p + 1, 15))
        shape = (n, m) if channels is None else (n, m, channels)
        fmap = -np.abs(image(rng, shape)) - 0.1  # negative: a padded 0 would win the max
        _check_pool(learner, "max_pool2d", fmap, p, strides=s if channels != 1 else (s, 1), padding="same")


@check(points=2)
def test_average_pool(learner, rng):
    for channels in (None, 2):
        p = int(rng.integers(2, 4))
        size = (non_tiling(rng, p, p), non_tiling(rng, p, p))
        fmap = image(rng, size if channels is None else (*size, channels))
        _check_pool(learner, "average_pool2d", fmap, p)
    fmap = image(rng, (non_tiling(rng, 2, 3), 10, 3))
    _check_pool(learner, "average_pool2d", fmap, (2, 3), strides=(3, 2))
