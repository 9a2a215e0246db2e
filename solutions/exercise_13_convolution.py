"""Exercise 13 · A convolution and pooling by hand: reference solution."""

import math

import numpy as np


def _pair(value):
    """An int or an (h, w) sequence as a pair of ints."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def _same_padding(n, k, s):
    """TensorFlow's 'same': ceil(n / s) outputs; the total padding split, the odd cell after."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(image, kernel, bias=0.0, strides=1, padding="valid"):
    """Slide the kernel over the (zero-padded) image; each window's sum of products plus the bias."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    single = image.ndim == 2  # the course's one-channel, one-filter case
    if single:
        image = image[:, :, None]
        kernel = kernel[:, :, None, None]
    kh, kw, _, filters = kernel.shape
    sh, sw = _pair(strides)
    if padding == "same":
        top, bottom = _same_padding(image.shape[0], kh, sh)
        left, right = _same_padding(image.shape[1], kw, sw)
        image = np.pad(image, ((top, bottom), (left, right), (0, 0)))  # zeros, never touching the caller's array
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
    out_h = (image.shape[0] - kh) // sh + 1
    out_w = (image.shape[1] - kw) // sw + 1
    bias = np.broadcast_to(np.asarray(bias, dtype=np.float64), (filters,))
    out = np.zeros((out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            window = image[i * sh : i * sh + kh, j * sw : j * sw + kw, :]  # not flipped: a cross-correlation
            for o in range(filters):
                out[i, j, o] = np.sum(window * kernel[:, :, :, o]) + bias[o]
    return (out[:, :, 0] if single else out).astype(np.float32)


def _pool(fmap, pool_size, strides, padding, reduce):
    fmap = np.asarray(fmap, dtype=np.float64)
    single = fmap.ndim == 2
    if single:
        fmap = fmap[:, :, None]
    ph, pw = _pair(pool_size)
    sh, sw = _pair(pool_size if strides is None else strides)  # strides default to the pool size
    if padding == "same":
        top, bottom = _same_padding(fmap.shape[0], ph, sh)
        left, right = _same_padding(fmap.shape[1], pw, sw)
        fmap = np.pad(fmap, ((top, bottom), (left, right), (0, 0)), constant_values=np.nan)  # padded cells: NaN
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
    out_h = (fmap.shape[0] - ph) // sh + 1  # a partial last window is dropped
    out_w = (fmap.shape[1] - pw) // sw + 1
    out = np.zeros((out_h, out_w, fmap.shape[2]))
    for i in range(out_h):
        for j in range(out_w):
            window = fmap[i * sh : i * sh + ph, j * sw : j * sw + pw, :]
            out[i, j, :] = reduce(window, axis=(0, 1))  # per channel
    return (out[:, :, 0] if single else out).astype(np.float32)


def max_pool2d(fmap, pool_size=2, strides=None, padding="valid"):
    """The largest value of each window; with 'same' the padded cells are ignored (nanmax skips them)."""
    return _pool(fmap, pool_size, strides, padding, np.nanmax)


def average_pool2d(fmap, pool_size=2, strides=None):
    """The mean of each window (valid padding only)."""
    return _pool(fmap, pool_size, strides, "valid", np.mean)
