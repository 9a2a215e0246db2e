"""Hidden checks for exercise 01: min-max scaling, standardisation, pixels, flattening.

Expected values are computed here with numpy in float64; the project's tests
prove they equal scikit-learn's MinMaxScaler and StandardScaler. The contract fixes float32
only for scale_pixels: a float32 scaling (Keras's Normalization layer) is judged at float32
precision, relative to the size of the numbers it was computed from (:func:`grader.checking.close`).
"""

from __future__ import annotations

import numpy as np

from grader.checking import as_array, check, close, expect, fail, type_name

TOLERANCE = 1e-6
CONSTANT = 1e-12


def fit_min_max(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = train.min(axis=0), train.max(axis=0)
    spread = high - low
    return low, np.where(spread > CONSTANT, spread, 1.0)


def fit_standard(train: np.ndarray, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0, ddof=ddof)
    return mean, np.where(std > CONSTANT, std, 1.0)


def random_features(rng, rows: int | None = None, columns: int | None = None) -> np.ndarray:
    """Columns on very different scales and offsets, like real tabular data."""
    rows = rows or int(rng.integers(5, 60))
    columns = columns or int(rng.integers(1, 8))
    scales = 10.0 ** rng.uniform(-2, 4, size=columns)
    offsets = rng.normal(0, 100, size=columns)
    return rng.normal(size=(rows, columns)) * scales + offsets


def _tuple(value, call: str, count: int) -> tuple:
    if not isinstance(value, (tuple, list)):
        fail("not_a_tuple", call=call, found_type=type_name(value), count=count)
    if len(value) != count:
        fail("tuple_length", call=call, found=len(value), expected=count)
    return tuple(value)


def _close(found: np.ndarray, expected: np.ndarray, magnitude: np.ndarray | None = None) -> bool:
    """``magnitude``: the size of the numbers the answer was computed from, in its units (float32's rounding)."""
    return bool(np.all(np.isfinite(found))) and close(found, expected, atol=TOLERANCE, rtol=1e-6, magnitude=magnitude)


def _magnitude(data: np.ndarray, shift: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """How large ``(data - shift) / spread``'s inputs are in its own units: float32 rounds ``data`` and
    ``shift`` to ~1e-7 of themselves before the subtraction cancels them."""
    return (np.abs(data) + np.abs(shift)) / spread


def _min_max_with(data: np.ndarray, *, fitted_on: np.ndarray) -> np.ndarray:
    low, spread = fit_min_max(fitted_on)
    return (data - low) / spread


def _expect_constant_column_maps_to_zero(learner, rng, name: str, column: int) -> None:
    train = random_features(rng, rows=20, columns=3)
    train[:, column] = 0.1  # population spread ~1e-17, not exactly 0
    call = f"{name}(train with a constant column {column})"
    (found,) = _scaled(learner, name, [train], call)
    expect(np.isfinite(found).all(), "constant_nan", call=call)
    expect(np.allclose(found[:, column], 0.0, atol=TOLERANCE), "constant_not_zero", call=call, found=found[:3, column])


def _scaled(learner, name: str, arrays: list[np.ndarray], call: str) -> tuple:
    value = learner.call(name, *arrays)
    parts = _tuple(value, call, len(arrays))
    return tuple(as_array(p, call, shape=a.shape) for p, a in zip(parts, arrays))


# ----------------------------------------------------------------------------- min-max


@check(points=2)
def test_min_max_train(learner, rng):
    for _ in range(8):
        train = random_features(rng)
        val = random_features(rng, columns=train.shape[1])
        call = f"min_max_scale(train of shape {train.shape}, val)"
        found, _ = _scaled(learner, "min_max_scale", [train, val], call)
        low, spread = fit_min_max(train)
        expected = (train - low) / spread
        if not _close(found, expected, _magnitude(train, low, spread)):
            if np.isfinite(found).all() and np.allclose(found, (train - train.mean(0)) / train.std(0), atol=1e-4):
                fail("min_max_standardized", call=call)
            fail("min_max_train_wrong", call=call, found=found[:2], expected=expected[:2])


@check(points=3)
def test_min_max_others_use_train_statistics(learner, rng):
    for _ in range(8):
        train = random_features(rng)
        val = random_features(rng, columns=train.shape[1]) * 1.5
        test = random_features(rng, columns=train.shape[1])
        call = f"min_max_scale(train {train.shape}, val {val.shape}, test {test.shape})"
        _, found_val, found_test = _scaled(learner, "min_max_scale", [train, val, test], call)
        for found, data, label in ((found_val, val, "val"), (found_test, test, "test")):
            expected = _min_max_with(data, fitted_on=train)
            size = _magnitude(data, *fit_min_max(train))
            if _close(found, expected, size):
                continue
            if _close(found, _min_max_with(data, fitted_on=data), size):
                fail("min_max_own_statistics", call=call, which=label)
            if any(
                _close(found, _min_max_with(data, fitted_on=np.concatenate(parts)), size)
                for parts in ([train, val, test], [train, data])
            ):
                fail("min_max_leakage", call=call, which=label)
            fail("min_max_others_wrong", call=call, which=label, found=found[:2], expected=expected[:2])


@check(points=1)
def test_min_max_constant_column(learner, rng):
    _expect_constant_column_maps_to_zero(learner, rng, "min_max_scale", column=1)


# ----------------------------------------------------------------------------- standardisation


@check(points=2)
def test_standardize_train(learner, rng):
    for _ in range(8):
        train = random_features(rng)
        val = random_features(rng, columns=train.shape[1])
        call = f"standardize(train of shape {train.shape}, val)"
        found, _ = _scaled(learner, "standardize", [train, val], call)
        mean, std = fit_standard(train)
        size = _magnitude(train, mean, std)
        if _close(found, (train - mean) / std, size):
            continue
        sample_mean, sample_std = fit_standard(train, ddof=1)
        if _close(found, (train - sample_mean) / sample_std, size):
            fail("standardize_sample_std", call=call)
        fail("standardize_train_wrong", call=call, found=found[:2], expected=((train - mean) / std)[:2])


@check(points=2)
def test_standardize_others_use_train_statistics(learner, rng):
    for _ in range(8):
        train = random_features(rng)
        val = random_features(rng, columns=train.shape[1]) * 2 + 3
        call = f"standardize(train {train.shape}, val {val.shape})"
        _, found = _scaled(learner, "standardize", [train, val], call)
        mean, std = fit_standard(train)
        size = _magnitude(val, mean, std)
        if _close(found, (val - mean) / std, size):
            continue
        if _close(found, (val - val.mean(0)) / fit_standard(val)[1], size):
            fail("standardize_own_statistics", call=call)
        everything = np.concatenate([train, val])
        if _close(found, (val - everything.mean(0)) / fit_standard(everything)[1], size):
            fail("standardize_leakage", call=call)
        if _close(found, (val - mean) / fit_standard(train, ddof=1)[1], size):
            fail("standardize_sample_std", call=call)
        fail("standardize_others_wrong", call=call, found=found[:2], expected=((val - mean) / std)[:2])


@check(points=1)
def test_standardize_constant_column(learner, rng):
    _expect_constant_column_maps_to_zero(learner, rng, "standardize", column=2)


@check(points=1)
def test_inputs_not_modified(learner, rng):
    for name in ("min_max_scale", "standardize"):
        train = random_features(rng, rows=10, columns=3)
        val = random_features(rng, rows=4, columns=3)
        _, (after_train, after_val) = learner.call(name, train, val, _echo_args=True)
        expect(
            np.array_equal(after_train, train) and np.array_equal(after_val, val),
            "modified_in_place",
            call=f"{name}(train, val)",
        )


# ----------------------------------------------------------------------------- images


def random_images(rng, channels: bool = False) -> np.ndarray:
    shape = tuple(int(v) for v in rng.integers(1, 30, size=4 if channels else 3))
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


@check(points=2)
def test_scale_pixels_values(learner, rng):
    for channels in (False, True):
        images = random_images(rng, channels)
        images.flat[0], images.flat[-1] = 0, 255
        call = f"scale_pixels(<uint8 images of shape {images.shape}>)"
        found = as_array(learner.scale_pixels(images), call, shape=images.shape)
        expected = images.astype(np.float64) / 255.0
        if np.allclose(found, expected, atol=1e-6):
            continue
        if np.allclose(found, images / 256.0, atol=1e-6):
            fail("pixels_256", call=call)
        if np.allclose(found, images, atol=1e-6):
            fail("pixels_unscaled", call=call)
        fail("pixels_wrong", call=call, found=found.flat[:4], expected=expected.flat[:4])


@check(points=1)
def test_scale_pixels_float32(learner, rng):
    images = random_images(rng)
    call = f"scale_pixels(<uint8 images of shape {images.shape}>)"
    found = as_array(learner.scale_pixels(images), call)
    expect(found.dtype == np.float32, "pixels_dtype", call=call, found=str(found.dtype))


@check(points=2)
def test_flatten_images(learner, rng):
    for channels in (False, True, False):
        images = rng.random(tuple(int(v) for v in rng.integers(1, 12, size=4 if channels else 3))).astype(np.float32)
        call = f"flatten_images(<images of shape {images.shape}>)"
        expected = images.reshape(images.shape[0], -1)
        found = as_array(learner.flatten_images(images), call)
        expect(found.shape == expected.shape, "flatten_shape", call=call, found=found.shape, expected=expected.shape)
        expect(np.array_equal(found, expected), "flatten_order", call=call)


@check(points=1)
def test_every_function_returns_a_tuple_per_input(learner, rng):
    train = random_features(rng, rows=6, columns=2)
    for name in ("min_max_scale", "standardize"):
        _tuple(learner.call(name, train), f"{name}(train)", 1)
