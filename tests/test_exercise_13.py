"""Exercise 13 convolution: stub 0, solution full, wrong answers lose exactly their checks, correct
answers in other styles get full marks, and the grader's numpy computation equals Keras's layers."""

from __future__ import annotations

import numpy as np
import pytest
from support import describe, feedback_test, grade_source, wrong_answer_test

from grader.exercises.exercise_13_convolution import checks

EXERCISE = "exercise-13"
CONV = {"course_edge_filter", "single_filter_valid", "channels_and_filters", "strides", "same_padding"}

WRONG_ANSWERS = {
    "flipped kernel (textbook convolution)": (
        [("window * kernel[:, :, :, o]", "window * kernel[::-1, ::-1, :, o]")],
        CONV,
    ),
    "bias forgotten": (
        [("np.sum(window * kernel[:, :, :, o]) + bias[o]", "np.sum(window * kernel[:, :, :, o])")],
        {"single_filter_valid", "channels_and_filters"},
    ),
    "same padding's odd cell at the top/left": (
        [
            (
                "top, bottom = _same_padding(image.shape[0], kh, sh)",
                "bottom, top = _same_padding(image.shape[0], kh, sh)",
            ),
            (
                "left, right = _same_padding(image.shape[1], kw, sw)",
                "right, left = _same_padding(image.shape[1], kw, sw)",
            ),
        ],
        {"same_padding"},
    ),
    "conv strides ignored": (
        [("sh, sw = _pair(strides)", "sh, sw = 1, 1")],
        {"strides", "same_padding"},
    ),
    "pooling keeps the partial window": (
        [
            ("out_h = (fmap.shape[0] - ph) // sh + 1", "out_h = -(-(fmap.shape[0] - ph) // sh) + 1"),
            ("out_w = (fmap.shape[1] - pw) // sw + 1", "out_w = -(-(fmap.shape[1] - pw) // sw) + 1"),
        ],
        {"max_pool_valid", "average_pool"},
    ),
    "same max pooling pads with zeros": (
        [("constant_values=np.nan", "constant_values=0")],
        {"max_pool_same"},
    ),
    "pool strides default to 1": (
        [("_pair(pool_size if strides is None else strides)", "_pair(1 if strides is None else strides)")],
        {"max_pool_valid", "average_pool"},
    ),
    "conv returns float64": (
        [
            (
                "return (out[:, :, 0] if single else out).astype(np.float32)\n\n\ndef _pool",
                "return out[:, :, 0] if single else out\n\n\ndef _pool",
            )
        ],
        {"float32_and_inputs_kept"},
    ),
    "conv writes into the caller's kernel": (
        [
            (
                "    return (out[:, :, 0] if single else out).astype(np.float32)\n\n\ndef _pool",
                "    kernel[...] = 0\n    return (out[:, :, 0] if single else out).astype(np.float32)\n\n\ndef _pool",
            )
        ],
        {"float32_and_inputs_kept"},
    ),
}

test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)

test_feedback_names_the_mistake = feedback_test(
    EXERCISE,
    WRONG_ANSWERS,
    [
        ("flipped kernel (textbook convolution)", "course_edge_filter", ["flipped"]),
        ("flipped kernel (textbook convolution)", "single_filter_valid", ["flipped kernel"]),
        ("bias forgotten", "channels_and_filters", ["no bias"]),
        ("same padding's odd cell at the top/left", "same_padding", ["top/left", "bottom/right"]),
        ("conv strides ignored", "strides", ["without strides"]),
        ("pooling keeps the partial window", "max_pool_valid", ["partial window"]),
        ("pooling keeps the partial window", "average_pool", ["partial window"]),
        ("same max pooling pads with zeros", "max_pool_same", ["-np.inf"]),
        ("pool strides default to 1", "max_pool_valid", ["pool size"]),
        ("conv returns float64", "float32_and_inputs_kept", ["float64"]),
        ("conv writes into the caller's kernel", "float32_and_inputs_kept", ["changed the arrays"]),
    ],
)


# --------------------------------------------------------------------------- correct answers in other styles

SCIPY = """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal


def _pads(n, k, s):
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(image, kernel, bias=0.0, strides=1, padding="valid"):
    sh, sw = (strides, strides) if np.isscalar(strides) else strides
    x = np.atleast_3d(np.asarray(image, float)) if np.ndim(image) == 2 else np.asarray(image, float)
    k = np.asarray(kernel, float).reshape(*np.shape(kernel)[:2], x.shape[2], -1)
    if padding == "same":
        x = np.pad(x, (_pads(x.shape[0], k.shape[0], sh), _pads(x.shape[1], k.shape[1], sw), (0, 0)))
    maps = [sum(signal.correlate2d(x[:, :, c], k[:, :, c, o], mode="valid") for c in range(x.shape[2]))
            for o in range(k.shape[3])]
    out = np.stack(maps, axis=-1)[::sh, ::sw] + np.asarray(bias, float)
    return (out[:, :, 0] if np.ndim(image) == 2 else out).astype("float32")


def _pool(fmap, pool_size, strides, padding, how):
    p = (pool_size, pool_size) if np.isscalar(pool_size) else tuple(pool_size)
    s = p if strides is None else ((strides, strides) if np.isscalar(strides) else tuple(strides))
    x = np.asarray(fmap, float)
    if padding == "same":
        pads = [_pads(x.shape[a], p[a], s[a]) for a in (0, 1)] + [(0, 0)] * (x.ndim - 2)
        x = np.pad(x, pads, constant_values=-np.inf)
    w = sliding_window_view(x, p, axis=(0, 1))[:: s[0], :: s[1]]
    return how(w, axis=(-2, -1)).astype("float32")


def max_pool2d(fmap, pool_size=2, strides=None, padding="valid"):
    return _pool(fmap, pool_size, strides, padding, np.max)


def average_pool2d(fmap, pool_size=2, strides=None):
    return _pool(fmap, pool_size, strides, "valid", np.mean)
"""

LOOPS = """
import math
import numpy as np


def conv2d(image, kernel, bias=0.0, strides=1, padding="valid"):
    img = np.array(image, dtype=float).tolist()
    ker = np.array(kernel, dtype=float).tolist()
    flat = not isinstance(img[0][0], list)
    if flat:
        img = [[[v] for v in row] for row in img]
        ker = [[[[v]] for v in row] for row in ker]
    if isinstance(strides, int):
        strides = (strides, strides)
    sh, sw = strides
    h, w, cin = len(img), len(img[0]), len(img[0][0])
    kh, kw, cout = len(ker), len(ker[0]), len(ker[0][0][0])
    top = left = 0
    if padding == "same":
        out_h, out_w = math.ceil(h / sh), math.ceil(w / sw)
        top = max((out_h - 1) * sh + kh - h, 0) // 2
        left = max((out_w - 1) * sw + kw - w, 0) // 2
    else:
        out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    biases = [float(bias)] * cout if np.ndim(bias) == 0 else [float(b) for b in bias]
    out = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            cell = []
            for o in range(cout):
                total = biases[o]
                for a in range(kh):
                    for b in range(kw):
                        y, x = i * sh + a - top, j * sw + b - left
                        if 0 <= y < h and 0 <= x < w:
                            for c in range(cin):
                                total += img[y][x][c] * ker[a][b][c][o]
                cell.append(total)
            row.append(cell[0] if flat else cell)
        out.append(row)
    return np.array(out, dtype=np.float32)


def max_pool2d(fmap, pool_size=2, strides=None, padding="valid"):
    return _pool(fmap, pool_size, strides, padding, max)


def average_pool2d(fmap, pool_size=2, strides=None):
    return _pool(fmap, pool_size, strides, "valid", lambda v: sum(v) / len(v))


def _pool(fmap, pool_size, strides, padding, reduce):
    m = np.asarray(fmap, dtype=float)
    flat = m.ndim == 2
    if flat:
        m = m[:, :, None]
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (ph, pw) if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    h, w, ch = m.shape
    if padding == "same":
        out_h, out_w = math.ceil(h / sh), math.ceil(w / sw)
        top = max((out_h - 1) * sh + ph - h, 0) // 2
        left = max((out_w - 1) * sw + pw - w, 0) // 2
    else:
        out_h, out_w, top, left = (h - ph) // sh + 1, (w - pw) // sw + 1, 0, 0
    out = np.zeros((out_h, out_w, ch), dtype=np.float32)
    for i in range(out_h):
        for j in range(out_w):
            for c in range(ch):
                cells = [m[y, x, c] for y in range(i * sh - top, i * sh - top + ph)
                         for x in range(j * sw - left, j * sw - left + pw) if 0 <= y < h and 0 <= x < w]
                out[i, j, c] = reduce(cells)
    return out[:, :, 0] if flat else out
"""

TENSORDOT = """
import numpy as np


def conv2d(image, kernel, bias=0.0, strides=1, padding="valid"):
    image, kernel = np.asarray(image, dtype=np.float32), np.asarray(kernel, dtype=np.float32)
    two_d = image.ndim == 2
    if two_d:
        image, kernel = image[..., np.newaxis], kernel[..., np.newaxis, np.newaxis]
    kh, kw = kernel.shape[:2]
    sh, sw = np.broadcast_to(strides, 2)
    if padding == "same":
        pads = []
        for n, k, s in ((image.shape[0], kh, sh), (image.shape[1], kw, sw)):
            total = max((int(np.ceil(n / s)) - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        image = np.pad(image, pads + [(0, 0)])
    rows = range(0, image.shape[0] - kh + 1, sh)
    cols = range(0, image.shape[1] - kw + 1, sw)
    patches = np.array([[image[r:r + kh, c:c + kw] for c in cols] for r in rows])
    out = np.tensordot(patches, kernel, axes=([2, 3, 4], [0, 1, 2])) + bias
    return out[..., 0] if two_d else out


def max_pool2d(fmap, pool_size=2, strides=None, padding="valid"):
    fmap = np.asarray(fmap, dtype=np.float64)
    ph, pw = np.broadcast_to(pool_size, 2)
    sh, sw = (ph, pw) if strides is None else np.broadcast_to(strides, 2)
    if padding == "same":
        pads = []
        for n, k, s in ((fmap.shape[0], ph, sh), (fmap.shape[1], pw, sw)):
            total = max((-(-n // s) - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        fmap = np.pad(fmap, pads + [(0, 0)] * (fmap.ndim - 2), constant_values=-np.inf)
    return np.array([[fmap[r:r + ph, c:c + pw].max(axis=(0, 1)) for c in range(0, fmap.shape[1] - pw + 1, sw)]
                     for r in range(0, fmap.shape[0] - ph + 1, sh)])


def average_pool2d(fmap, pool_size=2, strides=None):
    fmap = np.asarray(fmap, dtype=np.float64)
    ph, pw = np.broadcast_to(pool_size, 2)
    sh, sw = (ph, pw) if strides is None else np.broadcast_to(strides, 2)
    return np.array([[fmap[r:r + ph, c:c + pw].mean(axis=(0, 1)) for c in range(0, fmap.shape[1] - pw + 1, sw)]
                     for r in range(0, fmap.shape[0] - ph + 1, sh)])
"""


@pytest.mark.parametrize("source", [SCIPY, LOOPS, TENSORDOT], ids=["scipy-correlate2d", "plain-loops", "tensordot"])
def test_correct_answers_in_other_styles_get_full_marks(source, tmp_path):
    if "scipy" in source:
        pytest.importorskip("scipy")
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed and result.score == result.max_score, describe(result)


# --------------------------------------------------------------------------- the computation equals Keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_course_edge_example():
    picture = np.tile(np.array([10, 10, 10, 0, 0, 0], dtype=float), (6, 1))
    edge = np.array([[1, 0, -1]] * 3, dtype=float)
    assert checks.convolve(picture, edge).tolist() == [[0, 30, 30, 0]] * 4
    assert checks.pool(checks.convolve(picture, edge)).tolist() == [[30, 30], [30, 30]]


@pytest.mark.slow
def test_convolve_equals_keras_conv2d(keras):
    rng = np.random.default_rng(13)
    for trial in range(40):
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = "same" if trial % 2 else "valid"
        h, w = int(rng.integers(kh, 20)), int(rng.integers(kw, 20))
        c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        image = rng.normal(size=(h, w, c_in)).astype("float32")
        kernel = rng.normal(size=(kh, kw, c_in, c_out)).astype("float32")
        bias = rng.normal(size=c_out).astype("float32")
        layer = keras.layers.Conv2D(c_out, (kh, kw), strides=strides, padding=padding)
        layer.build((None, h, w, c_in))
        layer.set_weights([kernel, bias])
        expected = keras.ops.convert_to_numpy(layer(image[None]))[0]
        found = checks.convolve(image, kernel, bias, strides, padding)
        assert found.shape == expected.shape and np.allclose(found, expected, atol=1e-4), (trial, kh, kw, strides)
        assert found.shape[:2] == tuple(
            checks.output_size(n, k, s, padding) for n, k, s in zip((h, w), (kh, kw), strides)
        )
    # the mistakes the checks name really differ from Keras on the inputs they draw
    n, k, s = checks.odd_same_case(rng)
    image, kernel = rng.normal(size=(n, n)), checks.asymmetric_kernel(rng, (k, k))
    assert not np.allclose(
        checks.convolve(image, kernel, padding="same"), checks.convolve(image, kernel, padding="same", odd_first=True)
    )


@pytest.mark.slow
def test_pool_equals_keras_pooling(keras):
    rng = np.random.default_rng(14)
    for trial in range(40):
        ph, pw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        strides = None if trial % 3 == 0 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        h, w, c = int(rng.integers(ph, 20)), int(rng.integers(pw, 20)), int(rng.integers(1, 4))
        fmap = (rng.normal(size=(h, w, c)) - (2.0 if trial % 2 else 0.0)).astype("float32")
        for padding in ("valid", "same"):
            layer = keras.layers.MaxPooling2D((ph, pw), strides=strides, padding=padding)
            expected = keras.ops.convert_to_numpy(layer(fmap[None]))[0]
            found = checks.pool(fmap, (ph, pw), strides, padding)
            assert found.shape == expected.shape and np.allclose(found, expected, atol=1e-5), (trial, padding)
        layer = keras.layers.AveragePooling2D((ph, pw), strides=strides, padding="valid")
        expected = keras.ops.convert_to_numpy(layer(fmap[None]))[0]
        found = checks.pool(fmap, (ph, pw), strides, "valid", kind="average")
        assert found.shape == expected.shape and np.allclose(found, expected, atol=1e-5), trial
